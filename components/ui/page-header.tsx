'use client';
import { useEffect } from 'react';
import Link from 'next/link';

export const PRODUCT_NAME = 'Nightshift';

/**
 * The tab's title for a page: its parts, most specific first, then the product —
 * `pageTitle(['Run', 'CSV export', 'Acme'])` → "Run · CSV export · Acme — Nightshift".
 */
export function pageTitle(parts: Array<string | null | undefined | false>): string {
  const shown = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return shown.length ? `${shown.join(' · ')} — ${PRODUCT_NAME}` : PRODUCT_NAME;
}

/**
 * Sets the tab's title while the page is shown (the pages are client components, so the title
 * follows the data they load). Leaving the page puts the product's name back.
 */
export function usePageTitle(parts: Array<string | null | undefined | false>): void {
  const title = pageTitle(parts);
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(
    () => () => {
      document.title = PRODUCT_NAME;
    },
    [],
  );
}

export type Crumb = { label: string; href?: string };

/** Where a page sits: "Acme › Projects › greeter › CSV export › Run"; the last crumb is the page itself. */
export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="min-w-0 text-sm text-slate-600">
      <ol className="flex flex-wrap items-center gap-x-1.5 gap-y-1">
        {items.map((c, i) => {
          const last = i === items.length - 1;
          return (
            <li key={`${i}-${c.label}`} className="flex min-w-0 items-center gap-1.5">
              {c.href && !last ? (
                <Link href={c.href} className="truncate hover:text-slate-900 hover:underline">
                  {c.label}
                </Link>
              ) : (
                <span aria-current={last ? 'page' : undefined} className={`truncate ${last ? 'font-medium text-slate-900' : ''}`}>
                  {c.label}
                </span>
              )}
              {!last && (
                <span aria-hidden="true" className="text-slate-400">
                  ›
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
