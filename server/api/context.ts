import type { IncomingMessage } from 'node:http';
import type PgBoss from 'pg-boss';
import { getToken } from 'next-auth/jwt';
import { getDb, type DB } from '../db/client';
import { authSecret } from '../auth/keys';
import { authenticateApiToken } from '../services/api-tokens';
import { sessionTokenValid } from '../auth/options';
import { clientAddress } from '../http/client-address';

export type Context = {
  db: DB;
  /** The signed-in person (session cookie), if any. */
  userId: string | null;
  /** An org API token (Authorization: Bearer nst_…), if any: scoped to exactly one organisation. */
  apiToken: { orgId: string; tokenId: string } | null;
  ip: string | null;
  /** The process's job queue, for procedures that enqueue work; absent where none runs. */
  boss?: PgBoss | null;
};

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      /* a malformed cookie is ignored, not fatal */
    }
  }
  return out;
}

/** The user of a request's next-auth session cookie (JWT), or null — also when the session was revoked (sign-out, password change). */
export async function userIdFromRequest(req: IncomingMessage): Promise<string | null> {
  try {
    const cookies = parseCookies(req.headers.cookie);
    // Only the cookie counts: getToken would also try a Bearer header, which carries API tokens.
    const { authorization: _ignored, ...headers } = req.headers;
    const token = await getToken({ req: { headers, cookies } as never, secret: authSecret() });
    if (!token || typeof token.uid !== 'string') return null;
    return (await sessionTokenValid(token)) ? token.uid : null;
  } catch {
    return null;
  }
}

export async function createContext(req: IncomingMessage, opts: { boss?: PgBoss | null } = {}): Promise<Context> {
  const db = getDb();
  const auth = req.headers.authorization;
  const apiToken = auth?.startsWith('Bearer ') ? await authenticateApiToken(db, auth.slice(7).trim()) : null;
  return { db, userId: apiToken ? null : await userIdFromRequest(req), apiToken, ip: clientAddress(req), boss: opts.boss ?? null };
}
