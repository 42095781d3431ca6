import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

// bigint columns (event sequence numbers, counters) come back as strings by default; counts fit in
// a JS number, sequence numbers are kept as strings by the schema types.
pg.types.setTypeParser(20, (v) => v);

export type DB = Kysely<Database>;

export function createDb(connectionString: string, options: { max?: number } = {}): { db: DB; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

type Shared = { db: DB; pool: pg.Pool; url: string };
const KEY = Symbol.for('nightshift.db');

/**
 * The process-wide database. The custom server sets it at boot; code bundled by Next (the auth
 * route) runs in the same process and picks up the same pool through globalThis, falling back to
 * DATABASE_URL when it runs on its own.
 */
export function getDb(): DB {
  const g = globalThis as unknown as Record<symbol, Shared | undefined>;
  let shared = g[KEY];
  if (!shared) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('The database is not configured: start Nightshift with `npm start` or set DATABASE_URL');
    shared = { ...createDb(url), url };
    g[KEY] = shared;
  }
  return shared.db;
}

export function setSharedDb(db: DB, pool: pg.Pool, url: string): void {
  (globalThis as unknown as Record<symbol, Shared>)[KEY] = { db, pool, url };
}

export function getSharedPool(): pg.Pool {
  getDb();
  return (globalThis as unknown as Record<symbol, Shared>)[KEY].pool;
}
