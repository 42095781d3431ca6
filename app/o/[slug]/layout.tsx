'use client';
import { use, useEffect, type ReactNode } from 'react';
import { usePathname, useRouter } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { OrgContext } from '@/components/org-context';
import { TopBar } from '@/components/top-bar';
import { ErrorMessage, Loading } from '@/components/ui/form';

export default function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = use(params);
  const router = useRouter();
  const pathname = usePathname();
  const org = trpc.org.bySlug.useQuery({ slug });
  useEffect(() => {
    if (org.error?.data?.code === 'UNAUTHORIZED') router.replace(`/signin?next=${encodeURIComponent(pathname)}`);
  }, [org.error, pathname, router]);

  return (
    <div className="min-h-screen">
      <TopBar slug={slug} />
      <main className="mx-auto max-w-6xl px-4 py-6 md:px-6 md:py-8">
        {org.isLoading && <Loading />}
        {org.error && org.error.data?.code !== 'UNAUTHORIZED' && <ErrorMessage>{org.error.message}</ErrorMessage>}
        {org.data && <OrgContext.Provider value={org.data}>{children}</OrgContext.Provider>}
      </main>
    </div>
  );
}
