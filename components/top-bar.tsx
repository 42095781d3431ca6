'use client';
import { useEffect, useId, useRef, useState } from 'react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { OrgSwitcher } from './org-switcher';

const NAV = [
  { href: 'dashboard', label: 'Dashboard' },
  { href: 'projects', label: 'Projects' },
  { href: 'pulls', label: 'Pull requests' },
  { href: 'evals', label: 'Evals' },
  { href: 'improvements', label: 'Improvements' },
  { href: 'members', label: 'Members' },
  { href: 'settings', label: 'Settings' },
];

/**
 * The organisation's top bar: from 1024 px the seven sections sit in a row (they need ~900 px); below, a "Menu" button opens
 * them as a list under the bar (closed again by choosing one, by Escape, or by the button), so the
 * bar never pushes the page sideways on a phone.
 */
export function TopBar({ slug }: { slug: string }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  // A page change (a link chosen in the menu, back/forward) closes the menu.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  const links = NAV.map((n) => {
    const href = `/o/${slug}/${n.href}`;
    return { ...n, href, active: pathname === href || pathname.startsWith(`${href}/`) };
  });

  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center gap-3 px-4 py-3 md:gap-6 md:px-6">
        <Link href="/orgs" className="shrink-0 font-bold">
          Nightshift
        </Link>
        <div className="min-w-0 shrink">
          <OrgSwitcher currentSlug={slug} />
        </div>
        <nav aria-label="Organization" className="hidden gap-4 text-sm lg:flex">
          {links.map((n) => (
            <Link key={n.href} href={n.href} aria-current={n.active ? 'page' : undefined} className={n.active ? 'font-semibold text-indigo-700' : 'text-slate-600 hover:text-slate-900'}>
              {n.label}
            </Link>
          ))}
        </nav>
        <button className="ml-auto hidden text-sm text-slate-600 hover:text-slate-900 lg:block" onClick={() => signOut({ callbackUrl: '/' })}>
          Sign out
        </button>
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={menuId}
          onClick={() => setOpen((o) => !o)}
          className="ml-auto shrink-0 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium lg:hidden"
        >
          {open ? 'Close menu' : 'Menu'}
        </button>
      </div>
      <div id={menuId} hidden={!open} className="border-t border-slate-200 lg:hidden">
        <nav aria-label="Organization" className="mx-auto flex max-w-6xl flex-col px-4 py-2 text-sm">
          {links.map((n) => (
            <Link key={n.href} href={n.href} aria-current={n.active ? 'page' : undefined} className={`rounded-md px-2 py-2 ${n.active ? 'bg-indigo-50 font-semibold text-indigo-800' : 'text-slate-700'}`}>
              {n.label}
            </Link>
          ))}
          <button className="rounded-md px-2 py-2 text-left text-slate-700" onClick={() => signOut({ callbackUrl: '/' })}>
            Sign out
          </button>
        </nav>
      </div>
    </header>
  );
}
