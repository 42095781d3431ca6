import type http from 'node:http';
import NextAuthImport from 'next-auth/next';
import { cjsDefault } from '../auth/cjs-default';

const NextAuth = cjsDefault(NextAuthImport);
import { authOptions } from '../auth/options';
import { clientAddress } from './client-address';

export const AUTH_PREFIX = '/api/auth/';
/** Sign-in forms are a few hundred bytes; anything much larger is not one. */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

async function readForm(req: http.IncomingMessage): Promise<Record<string, string> | 'too-large' | undefined> {
  if (req.method !== 'POST') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_AUTH_BODY_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' ? Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      /* a malformed cookie is ignored */
    }
  }
  return out;
}

/**
 * next-auth's routes (/api/auth/*), served by this server rather than a Next.js route so that the
 * sign-in code sees the real peer address of the socket (Next's route handlers only see headers).
 * Uses next-auth's own request handler in its (req, res) form; this only supplies the parsed
 * query, body and cookies it expects.
 */
export async function handleAuth(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(AUTH_PREFIX)) return false;
  const body = await readForm(req);
  if (body === 'too-large') {
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(JSON.stringify({ error: 'Request body too large' }));
    return true;
  }
  const nextauth = url.pathname.slice(AUTH_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
  const apiReq = Object.assign(req, { query: { ...Object.fromEntries(url.searchParams), nextauth }, body, cookies: parseCookies(req.headers.cookie) });
  const apiRes = Object.assign(res, {
    status(code: number) {
      res.statusCode = code;
      return apiRes;
    },
    json(value: unknown) {
      if (!res.headersSent) res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(value));
    },
    send(value: unknown) {
      if (value !== null && typeof value === 'object') return apiRes.json(value);
      res.end(value === undefined ? undefined : String(value));
    },
  });
  await (NextAuth as unknown as (q: unknown, s: unknown, o: unknown) => Promise<void>)(apiReq, apiRes, authOptions({ clientAddress: clientAddress(req) }));
  return true;
}
