import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, setSharedDb, type DB } from '../../server/db/client';
import { migrateToLatest } from '../../server/db/migrate';

export type TestDatabase = { db: DB; pool: pg.Pool; url: string; name: string; close(): Promise<void> };

/**
 * A fresh, migrated database for one test file, in the run's real PostgreSQL.
 * Also installed as the process-wide database so code that calls getDb() uses it.
 */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const admin = inject('pgAdminUrl');
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const { db, pool } = createDb(url);
  await migrateToLatest(db);
  setSharedDb(db, pool, url);
  process.env.NIGHTSHIFT_SECRET_KEY ||= crypto.randomBytes(32).toString('base64');
  process.env.NEXTAUTH_SECRET ||= crypto.randomBytes(32).toString('base64');
  return {
    db,
    pool,
    url,
    name,
    async close() {
      await db.destroy().catch(() => {});
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await c.end();
    },
  };
}
