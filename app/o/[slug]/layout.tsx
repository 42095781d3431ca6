'use client';
import { use, useEffect, type ReactNode } from 'react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { trpc } from '@/components/trpc';
import { OrgContext } from '@/components/org-context';
import { OrgSwitcher } from '@/components/org-switcher';
import { ErrorMessage, Loading } from '@/components/ui/form';

const NAV = [
  { href: 'dashboard', label: 'Dashboard' },
  { href: 'projects', label: 'Projects' },
  { href: 'pulls', label: 'Pull requests' },
  { href: 'evals', label: 'Evals' },
  { href: 'improvements', label: 'Improvements' },
  { href: 'members', label: 'Members' },
  { href: 'settings', label: 'Settings' },
];

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
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
          <Link href="/orgs" className="font-bold">
            Nightshift
          </Link>
          <OrgSwitcher currentSlug={slug} />
          <nav aria-label="Organization" className="flex gap-4 text-sm">
            {NAV.map((n) => {
              const href = `/o/${slug}/${n.href}`;
              const active = pathname.startsWith(href);
              return (
                <Link key={n.href} href={href} aria-current={active ? 'page' : undefined} className={active ? 'font-semibold text-indigo-700' : 'text-slate-600 hover:text-slate-900'}>
                  {n.label}
                </Link>
              );
            })}
          </nav>
          <button className="ml-auto text-sm text-slate-600 hover:text-slate-900" onClick={() => signOut({ callbackUrl: '/' })}>
            Sign out
          </button>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-6 py-8">
        {org.isLoading && <Loading />}
        {org.error && org.error.data?.code !== 'UNAUTHORIZED' && <ErrorMessage>{org.error.message}</ErrorMessage>}
        {org.data && <OrgContext.Provider value={org.data}>{children}</OrgContext.Provider>}
      </main>
    </div>
  );
}
