/**
 * `nightshift backup` / `nightshift restore` on a real embedded PostgreSQL, through the CLI:
 * an online backup taken while the server keeps writing, the data directory wiped, the backup
 * restored — organisations, tokens, keys and every row committed before the backup are back, and
 * the rows form an unbroken prefix (a consistent copy, not a torn one). Restore refuses a
 * database with data unless forced, keeps what it replaces, and refuses bad files without
 * touching anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, updateLock } from '../../server/data-dir';
import { startEmbeddedPostgres, type EmbeddedHandle } from '../../server/db/embedded';

const ROOT = path.resolve(__dirname, '..', '..');

type CliResult = { code: number; stdout: string; stderr: string };

function cli(args: string[], dataDir: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NIGHTSHIFT_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extraEnv };
  // The data directory's own database and keys, not whatever the test process has.
  for (const k of ['DATABASE_URL', 'NEXTAUTH_SECRET', 'NIGHTSHIFT_SECRET_KEY']) if (!(k in extraEnv)) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'nightshift.js'), ...args], { env, cwd: path.dirname(dataDir) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

/** Runs `fn` against the data directory's embedded database, started for it (as a server would). */
async function withCluster<T>(dataDir: string, fn: (client: pg.Client) => Promise<T>, pgHome?: string): Promise<T> {
  const release = acquireLock(dataDir, {});
  let server: EmbeddedHandle | null = null;
  try {
    server = await startEmbeddedPostgres(dataDir, pgHome ? { pgHome } : {});
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  } finally {
    await server?.stop();
    release();
  }
}

const orgNames = async (c: pg.Client) => (await c.query<{ name: string }>('select name from organizations order by name')).rows.map((r) => r.name);

// Each test spawns several CLI processes and PostgreSQL starts: slow on a loaded 2-core machine.
describe('nightshift backup / restore (embedded PostgreSQL)', { timeout: 240_000 }, () => {
  let base: string;
  let dataDir: string;
  let backupFile: string;
  let keysBefore: Record<string, string>;
  let committedBeforeBackup = 0;
  let writtenInAll = 0;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-backup-'));
    // As root PostgreSQL runs as `postgres`, which must be able to enter the data directory's parents.
    fs.chmodSync(base, 0o711);
    dataDir = path.join(base, 'data');
    backupFile = path.join(base, 'nightshift.tar.gz');
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('backs up online while the server writes, and refuses to overwrite a file', async () => {
    expect((await cli(['org', 'create', '--name', 'Acme', '--owner-email', 'ops@acme.test'], dataDir)).code).toBe(0);
    const token = await cli(['token', 'create', '--org', 'acme', '--name', 'ci'], dataDir);
    expect(token.code).toBe(0);
    keysBefore = Object.fromEntries(['secret-key', 'nextauth-secret'].map((f) => [f, fs.readFileSync(path.join(dataDir, f), 'utf8')]));

    // A running server: holds the data directory's lock and its database, and keeps writing.
    const release = acquireLock(dataDir, {});
    const server = await startEmbeddedPostgres(dataDir);
    updateLock(dataDir, { databaseUrl: server.url });
    const writer = new pg.Client({ connectionString: server.url });
    await writer.connect();
    try {
      await writer.query('create table backup_probe (n int primary key)');
      let stop = false;
      let n = 0;
      let reached50: () => void = () => {};
      const fifty = new Promise<void>((r) => (reached50 = r));
      const writing = (async () => {
        while (!stop) {
          await writer.query('insert into backup_probe values ($1)', [n + 1]);
          n += 1;
          if (n === 50) reached50();
        }
      })();
      await fifty;
      committedBeforeBackup = n;
      const res = await cli(['backup', '--out', backupFile], dataDir);
      stop = true;
      await writing;
      writtenInAll = n;
      expect(res.stderr).toContain("backing up the running server's database");
      expect(res.code).toBe(0);
      const summary = lastJson(res.stdout);
      expect(summary).toMatchObject({ file: backupFile, serverWasRunning: true, keyFiles: ['nextauth-secret', 'secret-key', 'pg-password'] });
      expect(summary.walSegments).toBeGreaterThanOrEqual(1);
      // The backup ran while rows kept arriving.
      expect(writtenInAll).toBeGreaterThan(committedBeforeBackup);
      // Written after the backup: must not come back.
      await writer.query(`insert into organizations (name, slug) values ('Later', 'later')`);
    } finally {
      await writer.end();
      await server.stop();
      release();
    }
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${backupFile}.partial`)).toBe(false);

    const before = fs.readFileSync(backupFile);
    const again = await cli(['backup', '--out', backupFile], dataDir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists: a backup never overwrites a file');
    expect(fs.readFileSync(backupFile).equals(before)).toBe(true);
  });

  it('refuses to replace a database that holds data, and changes nothing', async () => {
    const res = await cli(['restore', backupFile], dataDir);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/holds data \(2 organization\(s\), 1 user\(s\).*pass --force/);
    expect(await withCluster(dataDir, orgNames)).toEqual(['Acme', 'Later']);
  });

  it('restores into a wiped data directory: data, tokens, keys and a consistent prefix of the writes', async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    const res = await cli(['restore', backupFile], dataDir);
    expect(res.stderr).toContain("replays the backup's WAL");
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ organizations: 1, users: 1, keptAside: null });
    for (const [f, v] of Object.entries(keysBefore)) expect(fs.readFileSync(path.join(dataDir, f), 'utf8')).toBe(v);
    await withCluster(dataDir, async (c) => {
      expect(await orgNames(c)).toEqual(['Acme']);
      expect((await c.query('select name from api_tokens')).rows).toEqual([{ name: 'ci' }]);
      const { rows } = await c.query<{ k: number; max: number }>('select count(*)::int as k, coalesce(max(n), 0) as max from backup_probe');
      // Everything committed before the backup began, nothing that was never written, no gaps.
      expect(rows[0].k).toBeGreaterThanOrEqual(committedBeforeBackup);
      expect(rows[0].k).toBeLessThanOrEqual(writtenInAll);
      expect(rows[0].max).toBe(rows[0].k);
    });
    // The restored data directory serves the product: a command opens it (migrations current) and writes.
    const after = await cli(['org', 'create', '--name', 'After', '--owner-email', 'ops@acme.test'], dataDir);
    expect(after.code).toBe(0);
  });

  it('with --force replaces a database with data and keeps the replaced one aside', async () => {
    const res = await cli(['restore', backupFile, '--force'], dataDir);
    expect(res.code).toBe(0);
    const { keptAside } = lastJson(res.stdout);
    expect(fs.existsSync(path.join(keptAside.cluster, 'PG_VERSION'))).toBe(true);
    expect(fs.readFileSync(path.join(keptAside.keys, 'secret-key'), 'utf8')).toBe(keysBefore['secret-key']);
    expect(await withCluster(dataDir, orgNames)).toEqual(['Acme']);
  });

  it('refuses a truncated or foreign file, a running server and an external database, touching nothing', async () => {
    const truncated = path.join(base, 'truncated.tar.gz');
    fs.writeFileSync(truncated, fs.readFileSync(backupFile).subarray(0, 200_000));
    const cut = await cli(['restore', truncated, '--force'], dataDir);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain('could not be unpacked');

    // A well-formed archive whose files do not match its manifest.
    const unpacked = path.join(base, 'unpacked');
    fs.mkdirSync(unpacked);
    await new Promise<void>((resolve, reject) => spawn('tar', ['-xzf', backupFile, '-C', unpacked]).on('close', (c) => (c === 0 ? resolve() : reject(new Error(`tar ${c}`)))));
    fs.appendFileSync(path.join(unpacked, 'pg', 'PG_VERSION'), 'x');
    const damaged = path.join(base, 'damaged.tar.gz');
    await new Promise<void>((resolve, reject) => spawn('tar', ['-czf', damaged, '-C', unpacked, '.']).on('close', (c) => (c === 0 ? resolve() : reject(new Error(`tar ${c}`)))));
    const bad = await cli(['restore', damaged, '--force'], dataDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pg/PG_VERSION is damaged (checksum differs)');

    const notOurs = path.join(base, 'notes.txt');
    fs.writeFileSync(notOurs, 'hello');
    expect((await cli(['restore', notOurs], dataDir)).code).toBe(2);
    expect((await cli(['restore', path.join(base, 'missing.tar.gz')], dataDir)).stderr).toContain('No backup file at');

    const external = await cli(['backup'], dataDir, { DATABASE_URL: 'postgres://nightshift@127.0.0.1:1/nightshift' });
    expect(external.code).toBe(2);
    expect(external.stderr).toContain('pg_dump');

    const release = acquireLock(dataDir, {});
    try {
      const running = await cli(['restore', backupFile, '--force'], dataDir);
      expect(running.code).toBe(2);
      expect(running.stderr).toContain('Stop the server and every worker first');
    } finally {
      release();
    }
    expect(await withCluster(dataDir, orgNames)).toEqual(['Acme']);
  });
});

// Root with the data directory in a private folder (a checkout in root's home): PostgreSQL runs as
// `postgres` and the cluster lives under NIGHTSHIFT_PG_HOME, recorded by a pointer file.
describe.skipIf(process.getuid?.() !== 0)('nightshift backup / restore, root with a relocated cluster', { timeout: 240_000 }, () => {
  let base: string;
  let pgHome: string;
  let dataDir: string;
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-backup-private-'));
    fs.chmodSync(base, 0o700);
    const homeParent = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-backup-pghome-'));
    fs.chmodSync(homeParent, 0o711);
    pgHome = path.join(homeParent, 'pg');
    dataDir = path.join(base, 'data');
  });
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(path.dirname(pgHome), { recursive: true, force: true });
  });

  it('backs up and restores the relocated cluster, owned by postgres, after the data directory is lost', async () => {
    const env = { NIGHTSHIFT_PG_HOME: pgHome };
    expect((await cli(['org', 'create', '--name', 'Acme', '--owner-email', 'ops@acme.test'], dataDir, env)).code).toBe(0);
    const clusterDir = fs.readFileSync(path.join(dataDir, 'pg-cluster'), 'utf8').trim();
    expect(clusterDir.startsWith(pgHome)).toBe(true);
    const file = path.join(base, 'backup.tar.gz');
    const backup = await cli(['backup', '--out', file], dataDir, env);
    expect(backup.code).toBe(0);

    fs.rmSync(dataDir, { recursive: true, force: true });
    // The relocated cluster outlived the data directory: restore will not replace it unasked.
    const refused = await cli(['restore', file], dataDir, env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pg-password is missing from the data directory');
    expect(refused.stderr).toContain('Pass --force');

    const forced = await cli(['restore', file, '--force'], dataDir, env);
    expect(forced.code).toBe(0);
    const { keptAside } = lastJson(forced.stdout);
    expect(keptAside.cluster.startsWith(`${clusterDir}.before-restore-`)).toBe(true);
    const owner = fs.statSync(clusterDir).uid;
    expect(owner).not.toBe(0);
    expect(fs.statSync(path.join(clusterDir, 'PG_VERSION')).uid).toBe(owner);
    expect(await withCluster(dataDir, orgNames, pgHome)).toEqual(['Acme']);
  });
});
