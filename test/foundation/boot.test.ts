import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, ensureDataDir, StartupError } from '../../server/data-dir';
import { startEmbeddedPostgres } from '../../server/db/embedded';
import { createDb } from '../../server/db/client';
import { migrateToLatest, MigrationError } from '../../server/db/migrate';
import { createTestDatabase } from '../support/db';
import { ensureKeys } from '../../server/auth/keys';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-boot-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('start-up', () => {
  it('keeps data across a restart of the embedded PostgreSQL', async () => {
    const dir = tmp();
    const first = await startEmbeddedPostgres(dir);
    const a = createDb(first.url);
    await migrateToLatest(a.db);
    await a.db.insertInto('users').values({ email: 'persist@example.com', name: 'Persist' }).execute();
    await a.db.destroy();
    await first.stop();

    const second = await startEmbeddedPostgres(dir);
    const b = createDb(second.url);
    const rows = await b.db.selectFrom('users').select('email').execute();
    await b.db.destroy();
    await second.stop();
    expect(rows).toEqual([{ email: 'persist@example.com' }]);
  });

  it('refuses a second process on a data directory in use, and an unusable data directory', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'server.lock'), JSON.stringify({ pid: process.ppid, startedAt: new Date().toISOString() }));
    expect(() => acquireLock(dir, {})).toThrow(/Another Nightshift process \(pid \d+\) is already using the data directory/);
    // A stale lock (its process is gone) is taken over.
    fs.writeFileSync(path.join(dir, 'server.lock'), JSON.stringify({ pid: 999_999_999, startedAt: '' }));
    const release = acquireLock(dir, {});
    release();
    expect(fs.existsSync(path.join(dir, 'server.lock'))).toBe(false);

    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, '');
    expect(() => ensureDataDir(path.join(file, 'data'))).toThrow(StartupError);
    expect(() => ensureDataDir(path.join(file, 'data'))).toThrow(/is not writable .*NIGHTSHIFT_DATA_DIR/);
  });

  it('generates the session and encryption keys once, mode 0600, never a fixed default', () => {
    const dir = tmp();
    const saved = { a: process.env.NEXTAUTH_SECRET, b: process.env.NIGHTSHIFT_SECRET_KEY };
    delete process.env.NEXTAUTH_SECRET;
    delete process.env.NIGHTSHIFT_SECRET_KEY;
    try {
      ensureKeys(dir);
      const first = process.env.NEXTAUTH_SECRET;
      expect(first).toHaveLength(44);
      expect(fs.statSync(path.join(dir, 'nextauth-secret')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
      delete process.env.NEXTAUTH_SECRET;
      ensureKeys(dir);
      expect(process.env.NEXTAUTH_SECRET).toBe(first);
      const other = tmp();
      delete process.env.NEXTAUTH_SECRET;
      ensureKeys(other);
      expect(process.env.NEXTAUTH_SECRET).not.toBe(first);
    } finally {
      process.env.NEXTAUTH_SECRET = saved.a;
      process.env.NIGHTSHIFT_SECRET_KEY = saved.b;
    }
  });

  it('a failing migration stops start-up naming the migration', async () => {
    const t = await createTestDatabase('mig');
    // Simulate a database where the first migration cannot apply: forget it ran, keep its tables.
    await sql`delete from kysely_migration`.execute(t.db);
    const err = await migrateToLatest(t.db).catch((e) => e);
    await t.close();
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.migrationName).toBe('0001_foundation');
    expect(err.message).toMatch(/migration "0001_foundation" failed/);
  });
});
