'use client';
import { useEffect } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { Loading } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

/** After sign-in: the only organisation opens directly; several are listed; none → onboarding. */
export default function OrgsPage() {
  usePageTitle(['Organizations']);
  const router = useRouter();
  const orgs = trpc.org.list.useQuery();
  useEffect(() => {
    if (orgs.error?.data?.code === 'UNAUTHORIZED') router.replace('/signin');
    else if (orgs.data?.length === 0) router.replace('/onboarding');
    else if (orgs.data?.length === 1) router.replace(`/o/${orgs.data[0].slug}/projects`);
  }, [orgs.data, orgs.error, router]);
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-4 px-6">
      <h1 className="text-2xl font-semibold">Your organizations</h1>
      {orgs.isLoading && <Loading />}
      <ul className="flex flex-col gap-2">
        {orgs.data?.map((o) => (
          <li key={o.id}>
            <Link className="block rounded-md border bg-white px-4 py-3 hover:bg-slate-100" href={`/o/${o.slug}/projects`}>
              {o.name} <span className="text-xs text-slate-500">({o.role})</span>
            </Link>
          </li>
        ))}
      </ul>
      <Link href="/onboarding" className="text-sm text-indigo-700 underline">
        Create another organization
      </Link>
    </main>
  );
}
