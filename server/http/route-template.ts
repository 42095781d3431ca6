import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The route a request path belongs to, as a bounded template: the `route` of access logs and of
 * `nightshift_http_request_duration_seconds`. Never the raw path — ids, slugs, invitation tokens
 * and tRPC inputs stay out of logs and metric labels, and a scanner trying a million paths adds
 * one label value ("other"), not a million.
 */
export function routeTemplate(pathname: string, knownProcedures: ReadonlySet<string>): string {
  if (pathname === '/api/health' || pathname === '/api/health/live' || pathname === '/api/health/ready' || pathname === '/api/metrics' || pathname === '/metrics') return pathname;
  if (pathname.startsWith('/api/trpc/')) {
    const procs = safeDecode(pathname.slice('/api/trpc/'.length)).split(',');
    if (procs.length > 1) return '/api/trpc/(batch)';
    return knownProcedures.has(procs[0]) ? `/api/trpc/${procs[0]}` : '/api/trpc/(unknown)';
  }
  if (pathname === '/api/auth' || pathname.startsWith('/api/auth/')) return '/api/auth/*';
  const hook = /^\/api\/webhooks\/(stripe|github|slack)\/?$/.exec(pathname);
  if (hook) return `/api/webhooks/${hook[1]}`;
  if (pathname.startsWith('/api/webhooks/')) return '/api/webhooks/(unknown)';
  if (pathname === '/api/mcp' || pathname === '/api/mcp/') return '/api/mcp';
  if (pathname.startsWith('/api/pulls/')) return '/api/pulls/*';
  if (pathname.startsWith('/api/')) return '/api/(unknown)';
  if (pathname.startsWith('/_next/static/')) return '/_next/static/*';
  if (pathname.startsWith('/_next/')) return '/_next/*';
  if (pathname.startsWith('/monaco/')) return '/monaco/*';
  if (pathname === '/' || pathname === '') return '/';
  return pageTemplate(pathname);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type Pages = { top: Set<string>; org: Set<string> };
let pages: Pages | null = null;

/** The app router's folders (read once): `/signin`, `/o/:slug/runs/*`… */
function appPages(): Pages {
  if (pages) return pages;
  const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'app');
  const dirs = (p: string) => {
    try {
      return new Set(fs.readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('[') && !d.name.startsWith('(') && !d.name.startsWith('_')).map((d) => d.name));
    } catch {
      return new Set<string>();
    }
  };
  pages = { top: dirs(app), org: dirs(path.join(app, 'o', '[slug]')) };
  return pages;
}

function pageTemplate(pathname: string): string {
  const [first, second, third] = pathname.split('/').filter(Boolean);
  const { top, org } = appPages();
  if (!first || !top.has(first)) return 'other';
  if (first === 'o') {
    if (!second) return '/o';
    if (!third) return '/o/:slug';
    return org.has(third) ? `/o/:slug/${third}/*` : '/o/:slug/(unknown)';
  }
  return second ? `/${first}/*` : `/${first}`;
}
