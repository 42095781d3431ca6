import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres } from '../../server/db/embedded';

/**
 * As root, PostgreSQL runs as the `postgres` user, which cannot enter root's home directory or a
 * private (0700) temporary directory. `nightshift start` must still come up when the data
 * directory — or the checkout with the PostgreSQL binaries — lives in one.
 */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const projectDir = path.resolve(__dirname, '..', '..');
const cleanup: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const p of cleanup) fs.rmSync(p, { recursive: true, force: true });
});

function privateDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o700);
  cleanup.push(d);
  return d;
}

/** The environment of a fresh machine: nothing of this test process's database or keys. */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(DATABASE_URL|NIGHTSHIFT_|NEXTAUTH_|VITEST)/.test(k)) env[k] = v;
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra } as unknown as NodeJS.ProcessEnv;
}

/** Resolves with the log once `pattern` appears in the child's output; rejects if it exits first. */
function waitForLog(child: ChildProcess, pattern: RegExp, log: { text: string }): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = log.text.match(pattern);
      if (m) {
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', onExit);
        resolve(m);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`exited (${code}) before ${pattern}:\n${log.text}`));
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['bin/nightshift.js', ...args], { cwd: projectDir, env, encoding: 'utf8', timeout: 120_000 });
}

describe.skipIf(!isRoot)('start-up as root with the data directory in a private directory', () => {
  it('`nightshift start` becomes healthy, says where the cluster went, and keeps the data there', async () => {
    const parent = privateDir('ns-private-');
    const dataDir = path.join(parent, 'data');
    const port = await freePort();
    const env = freshEnv({ PORT: String(port), NIGHTSHIFT_DATA_DIR: dataDir, NEXTAUTH_URL: `http://localhost:${port}`, NIGHTSHIFT_WORKERS: '0', LOG_LEVEL: 'info' });
    const child = spawn(process.execPath, ['bin/nightshift.js', 'start', '--dev'], { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const log = { text: '' };
    // The server logs on stdout (pino lines); what it prints before the logger exists goes to stderr.
    child.stdout!.on('data', (d: Buffer) => (log.text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log.text += d.toString()));
    await waitForLog(child, /ready on http:\/\/localhost:\d+/, log);

    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).database).toMatchObject({ mode: 'embedded-postgres', reachable: true });
    // The log says where the cluster is, since it is not in the data directory.
    const placed = log.text.match(/embedded PostgreSQL cluster is in (\S+)/);
    expect(placed, log.text).toBeTruthy();
    const clusterDir = placed![1];
    cleanup.push(path.dirname(clusterDir));
    expect(fs.existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);

    // A CLI command joins the running server's database.
    const first = cli(['org', 'create', '--name', 'Private', '--owner-email', 'ops@private.test'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).slug).toBe('private');

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(child.exitCode).toBe(0);

    // With the server stopped, the CLI starts the same relocated cluster: the organisation is there.
    const second = cli(['org', 'create', '--name', 'Private', '--owner-email', 'ops@private.test'], env);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).slug).toBe('private-2');
  }, 240_000);

  it('runs PostgreSQL from a copy when the binaries themselves are in a private directory (a checkout in /root)', async () => {
    const { postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}` as string)) as { postgres: string };
    const checkout = privateDir('ns-checkout-');
    const native = path.join(checkout, 'native');
    fs.cpSync(path.dirname(path.dirname(postgres)), native, { recursive: true, verbatimSymlinks: true });
    const pgHome = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pghome-'));
    fs.chmodSync(pgHome, 0o711);
    cleanup.push(pgHome);
    const dataDir = path.join(privateDir('ns-private-'), 'data');
    const lines: string[] = [];
    const pg = await startEmbeddedPostgres(dataDir, { binaries: path.join(native, 'bin', 'postgres'), pgHome, notice: (l) => lines.push(l) });
    try {
      const { default: pgClient } = await import('pg');
      const c = new pgClient.Client({ connectionString: pg.url });
      await c.connect();
      expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      await c.end();
    } finally {
      await pg.stop();
    }
    expect(lines.join('\n')).toMatch(/PostgreSQL binaries .* copied to /);
    expect(fs.readdirSync(pgHome).some((n) => n.startsWith('postgres-'))).toBe(true);
  }, 120_000);

  it('says plainly what to do when no place for the cluster can be made', async () => {
    const file = path.join(privateDir('ns-file-'), 'not-a-dir');
    fs.writeFileSync(file, '');
    const dataDir = path.join(privateDir('ns-private-'), 'data');
    const err = await startEmbeddedPostgres(dataDir, { pgHome: path.join(file, 'pg') }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/postgres.* user cannot reach/);
    expect((err as Error).message).toMatch(/NIGHTSHIFT_PG_HOME/);
    expect((err as Error).message).toMatch(/DATABASE_URL/);
  });
});
