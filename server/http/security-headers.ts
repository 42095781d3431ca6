import type http from 'node:http';

/**
 * Headers every response carries (pages, API, assets). The Content-Security-Policy is the
 * strictest Next.js and the Monaco editor work under without per-request nonces:
 * - scripts only from this origin; 'unsafe-inline' because the app router inlines its flight data
 *   as <script> tags (a nonce would need every page rendered dynamically), 'unsafe-eval' only
 *   under `--dev` (React's dev tooling);
 * - styles inline as well: Monaco and React set style attributes and inject <style> elements;
 * - workers from this origin or blob: (Monaco's language workers);
 * - connections to this origin only (tRPC, Socket.IO — 'self' covers ws:/wss: to it);
 * - no plugins, no <base> elsewhere, forms post here only, and no other site may frame a page
 *   (frame-ancestors, and X-Frame-Options for browsers that predate it).
 */
export function contentSecurityPolicy(opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(opts: { dev?: boolean } = {}): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(opts),
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** Set before any handler writes, so every response — Next's pages included — carries them. */
export function applySecurityHeaders(res: http.ServerResponse, opts: { dev?: boolean } = {}): void {
  for (const [k, v] of Object.entries(securityHeaders(opts))) res.setHeader(k, v);
}
