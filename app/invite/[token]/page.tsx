'use client';
import { use, useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useSession } from 'next-auth/react';
import { trpc } from '@/components/trpc';
import { Button, ErrorMessage, Loading } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

export default function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = use(params);
  usePageTitle(['Invitation']);
  const router = useRouter();
  const session = useSession();
  const preview = trpc.invitation.preview.useQuery({ token });
  const accept = trpc.invitation.accept.useMutation();
  const [error, setError] = useState<string | null>(null);
  const here = `/invite/${token}`;

  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-4 px-6">
      <h1 className="text-2xl font-semibold">Invitation</h1>
      {preview.isLoading && <Loading />}
      {preview.error && <ErrorMessage>{preview.error.message}</ErrorMessage>}
      {preview.data && (
        <>
          <p>
            You are invited to join <strong>{preview.data.orgName}</strong> as {preview.data.role}.
          </p>
          {session.status === 'authenticated' ? (
            <Button
              onClick={async () => {
                setError(null);
                try {
                  const res = await accept.mutateAsync({ token });
                  router.push(`/o/${res.slug}/projects`);
                } catch (err) {
                  setError((err as Error).message);
                }
              }}
            >
              Accept invitation
            </Button>
          ) : (
            <p className="flex gap-3 text-sm">
              <Link className="text-indigo-700 underline" href={`/signin?next=${encodeURIComponent(here)}`}>Sign in</Link>
              <Link className="text-indigo-700 underline" href={`/signup?next=${encodeURIComponent(here)}`}>Create account</Link>
            </p>
          )}
          <ErrorMessage>{error}</ErrorMessage>
        </>
      )}
    </main>
  );
}
