'use client';
import { use, useEffect, useState, type ReactNode } from 'react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { OrgContext } from '@/components/org-context';
import { TopBar } from '@/components/top-bar';
import { ErrorMessage, Loading, SavedMessage } from '@/components/ui/form';
import { useOrgAccess } from '@/components/realtime/use-org-access';

export default function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = use(params);
  const router = useRouter();
  const pathname = usePathname();
  // Set when the person stops being a member while a page is open (see useOrgAccess).
  const [revokedSlug, setRevokedSlug] = useState<string | null>(null);
  const revoked = revokedSlug === slug;
  const org = trpc.org.bySlug.useQuery({ slug }, { enabled: !revoked });
  const changedRole = useOrgAccess(org.data ?? null, () => setRevokedSlug(slug));
  useEffect(() => {
    if (org.error?.data?.code === 'UNAUTHORIZED') router.replace(`/signin?next=${encodeURIComponent(pathname)}`);
  }, [org.error, pathname, router]);

  return (
    <div className="min-h-screen">
      <TopBar slug={slug} />
      <main className="mx-auto max-w-6xl px-4 py-6 md:px-6 md:py-8">
        {revoked ? (
          // The page is replaced: its live feeds close with it.
          <section role="alert" aria-labelledby="access-ended" className="flex flex-col gap-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-4">
            <h1 id="access-ended" className="text-lg font-semibold text-amber-900">
              You no longer have access to this organization
            </h1>
            <p className="text-sm text-amber-900">
              Your membership of {org.data?.name ?? 'this organization'} ended while this page was open, so it stopped showing its work and live updates.
            </p>
            <Link href="/orgs" className="self-start rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700">
              Go to your organizations
            </Link>
          </section>
        ) : (
          <>
            {org.isLoading && <Loading />}
            {org.error && org.error.data?.code !== 'UNAUTHORIZED' && <ErrorMessage>{org.error.message}</ErrorMessage>}
            {changedRole && org.data?.role === changedRole && (
              <SavedMessage>
                Your role in {org.data.name} is now {changedRole}: this page shows what a {changedRole} can do.
              </SavedMessage>
            )}
            {org.data && <OrgContext.Provider value={org.data}>{children}</OrgContext.Provider>}
          </>
        )}
      </main>
    </div>
  );
}
