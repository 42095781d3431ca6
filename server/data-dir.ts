import fs from 'node:fs';
import path from 'node:path';

export class StartupError extends Error {}

/** Creates the data directory if needed and fails with a clear message when it is not writable. */
export function ensureDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new StartupError(
      `The data directory ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). ` +
        'Fix its permissions or point NIGHTSHIFT_DATA_DIR at a writable folder.',
    );
  }
}

export type LockInfo = { pid: number; databaseUrl?: string; port?: number; startedAt: string };

const LOCK_FILE = 'server.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of the process that owns this data directory's embedded database, if it is alive. */
export function readLiveLock(dir: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * Takes the data directory for this process. A second process on the same directory gets a
 * clear error instead of a second Postgres on the same cluster.
 */
export function acquireLock(dir: string, info: Omit<LockInfo, 'pid' | 'startedAt'>): () => void {
  const file = path.join(dir, LOCK_FILE);
  const holder = readLiveLock(dir);
  if (holder) {
    throw new StartupError(
      `Another Nightshift process (pid ${holder.pid}) is already using the data directory ${dir}. ` +
        'Stop it first, or set NIGHTSHIFT_DATA_DIR to another folder.',
    );
  }
  const write = (extra: Partial<LockInfo>) =>
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), ...info, ...extra }), { mode: 0o600 });
  write({});
  const release = () => {
    try {
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      if (current.pid === process.pid) fs.rmSync(file);
    } catch {
      /* already gone */
    }
  };
  return Object.assign(release, { update: write });
}

export function updateLock(dir: string, extra: Partial<LockInfo>): void {
  const file = path.join(dir, LOCK_FILE);
  const current = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  fs.writeFileSync(file, JSON.stringify({ ...current, ...extra }), { mode: 0o600 });
}
