import type { IncomingMessage } from 'node:http';
import { getToken } from 'next-auth/jwt';
import { getDb, type DB } from '../db/client';
import { authSecret } from '../auth/keys';
import { authenticateApiToken } from '../services/api-tokens';

export type Context = {
  db: DB;
  /** The signed-in person (session cookie), if any. */
  userId: string | null;
  /** An org API token (Authorization: Bearer nst_…), if any: scoped to exactly one organisation. */
  apiToken: { orgId: string; tokenId: string } | null;
  ip: string | null;
};

export async function userIdFromRequest(req: IncomingMessage): Promise<string | null> {
  try {
    const token = await getToken({ req: req as never, secret: authSecret() });
    return typeof token?.uid === 'string' ? token.uid : null;
  } catch {
    return null;
  }
}

export async function createContext(req: IncomingMessage): Promise<Context> {
  const db = getDb();
  const auth = req.headers.authorization;
  const apiToken = auth?.startsWith('Bearer ') ? await authenticateApiToken(db, auth.slice(7).trim()) : null;
  return { db, userId: apiToken ? null : await userIdFromRequest(req), apiToken, ip: req.socket.remoteAddress ?? null };
}
