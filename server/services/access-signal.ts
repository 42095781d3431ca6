import { sql } from 'kysely';
import pg from 'pg';
import type { DB } from '../db/client';

/**
 * `nightshift_access`: someone's access changed — a membership was added, changed or removed (a
 * trigger on `memberships` sends it, whoever made the change: an API call, the CLI, a cascade), or
 * their sessions were revoked (sign-out, password change: `signalAccessChanged`). Every web process
 * listens and re-authorises that person's live sockets at once.
 */
export const ACCESS_CHANNEL = 'nightshift_access';

export type AccessChange = { userId: string; orgId?: string; op?: string };

/** Announces that a user's access changed; delivered when the surrounding transaction commits. */
export async function signalAccessChanged(db: DB, change: AccessChange): Promise<void> {
  await sql`select pg_notify(${ACCESS_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
}

/** Retry delay for a lost LISTEN connection (grows to the cap). */
const RELISTEN_MIN_MS = 200;
const RELISTEN_MAX_MS = 10_000;

export type AccessListener = { close(): Promise<void> };

/**
 * Calls `onChange` for every access change, on a dedicated connection that is re-opened when it
 * drops; `onResync` runs after every (re)connect, since changes made while it was down were missed.
 */
export function listenForAccessChanges(
  connectionString: string | pg.PoolConfig,
  handlers: { onChange(change: AccessChange): void; onResync?(): void; onError?(err: Error): void },
): AccessListener {
  let client: pg.Client | null = null;
  let closed = false;
  let delay = RELISTEN_MIN_MS;
  let timer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client(typeof connectionString === 'string' ? { connectionString } : connectionString);
    const retry = (err: Error) => {
      handlers.onError?.(err);
      c.removeAllListeners();
      c.end().catch(() => {});
      if (client === c) client = null;
      if (closed) return;
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, RELISTEN_MAX_MS);
    };
    c.on('error', retry);
    c.on('notification', (msg) => {
      if (msg.channel !== ACCESS_CHANNEL || !msg.payload) return;
      try {
        const change = JSON.parse(msg.payload) as AccessChange;
        if (typeof change.userId === 'string') handlers.onChange(change);
      } catch {
        /* not ours */
      }
    });
    try {
      await c.connect();
      await c.query(`listen ${ACCESS_CHANNEL}`);
    } catch (err) {
      retry(err as Error);
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = RELISTEN_MIN_MS;
    handlers.onResync?.();
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
