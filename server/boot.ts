import type pg from 'pg';
import { createDb, setSharedDb, type DB } from './db/client';
import { startEmbeddedPostgres } from './db/embedded';
import { migrateToLatest, type MigrationState } from './db/migrate';
import { dbWaitSeconds, waitForDatabase } from './db/wait';
import { withStartupLock } from './db/startup-lock';
import { acquireLock, ensureDataDir, readLiveLock, StartupError, updateLock } from './data-dir';
import { ensureKeys } from './auth/keys';

export type DatabaseMode = 'embedded-postgres' | 'external';

export type DatabaseRuntime = {
  db: DB;
  pool: pg.Pool;
  url: string;
  mode: DatabaseMode;
  migrations: MigrationState;
  close(): Promise<void>;
};

/**
 * Opens the database the way this process should:
 * - DATABASE_URL set → that server (many web and worker processes may share it);
 * - otherwise the embedded PostgreSQL of the data directory. `own: true` (the web server) starts
 *   it and holds the directory's lock; other processes (CLI, `npm run worker`) join the running
 *   one, or — for short CLI commands when none runs — start it themselves for the command.
 */
export async function openDatabase(opts: {
  dataDir: string;
  own: boolean;
  allowTemporary?: boolean;
  log?: (msg: string) => void;
}): Promise<DatabaseRuntime> {
  const log = opts.log ?? (() => {});
  ensureDataDir(opts.dataDir);
  ensureKeys(opts.dataDir);

  const external = process.env.DATABASE_URL;
  let mode: DatabaseMode = 'external';
  let url: string;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let release: (() => void) | null = null;

  if (external) {
    url = external;
  } else {
    mode = 'embedded-postgres';
    const holder = readLiveLock(opts.dataDir);
    if (holder && !opts.own && holder.databaseUrl) {
      url = holder.databaseUrl;
    } else if (!opts.own && !opts.allowTemporary) {
      throw new StartupError(
        'No database: set DATABASE_URL, or run `npm start` on this data directory first (worker-only processes join its embedded Postgres).',
      );
    } else {
      release = acquireLock(opts.dataDir, {});
      try {
        log('starting embedded PostgreSQL');
        const pg = await startEmbeddedPostgres(opts.dataDir, { log: (l) => process.env.NIGHTSHIFT_DEBUG_PG && log(l), notice: log });
        stopEmbedded = pg.stop;
        url = pg.url;
        updateLock(opts.dataDir, { databaseUrl: url });
      } catch (err) {
        release();
        throw err instanceof StartupError ? err : new StartupError(`Could not start the embedded PostgreSQL: ${(err as Error).message}`);
      }
    }
  }

  try {
    await waitForDatabase(url, { timeoutMs: dbWaitSeconds() * 1000, log });
  } catch (err) {
    await stopEmbedded?.().catch(() => {});
    release?.();
    throw new StartupError(`The database does not answer: ${(err as Error).message}`);
  }
  const { db, pool } = createDb(url);
  let migrations: MigrationState;
  try {
    // Any number of processes may start at once: one applies the migrations, the others then find none pending.
    migrations = await withStartupLock(url, 'apply migrations', () => migrateToLatest(db), log);
  } catch (err) {
    await db.destroy().catch(() => {});
    await stopEmbedded?.().catch(() => {});
    release?.();
    throw new StartupError((err as Error).message);
  }
  setSharedDb(db, pool, url);
  if (!process.env.DATABASE_URL) process.env.DATABASE_URL = url;

  return {
    db,
    pool,
    url,
    mode,
    migrations,
    async close() {
      await db.destroy().catch(() => {});
      if (stopEmbedded) await stopEmbedded().catch((e) => log(`embedded PostgreSQL stop: ${(e as Error).message}`));
      release?.();
    },
  };
}
