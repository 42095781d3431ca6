/**
 * One bare mirror per repository on this host, under the data directory. Every task's worktree
 * shares its object database, so a new worktree costs a checkout, never a clone.
 *
 * Layout: <dataDir>/mirrors/<repoId>.git — upstream branches live under refs/remotes/origin/*
 * (fetched with --prune), so task branches under refs/heads/nightshift/* are never clobbered.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { git, tokenConfig } from './git';
import { assertRemoteAllowed } from './remote-policy';
import { withLock } from './lock';
import { originHead } from './refs';

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FETCH_REFSPECS = ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];

export type Mirror = {
  repoId: string;
  /** The bare repository on this host. */
  path: string;
  /** Where worktrees of this repository are created. */
  worktreesDir: string;
  /** The upstream: a git URL or an absolute local path. */
  url: string;
};

export type RegisterOptions = {
  /** The host's data directory (NIGHTSHIFT_DATA_DIR). */
  dataDir: string;
  /** Stable id of the repository (e.g. the project id); names the mirror directory. */
  repoId: string;
  /** A git URL (https, ssh, file) or a local path to an existing repository. */
  source: string;
  /** Token for HTTPS remotes, from the org's secrets; used per call, never stored. */
  token?: string;
};

function normaliseSource(source: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^:]+:/.test(source)) return source;
  const abs = isAbsolute(source) ? source : resolve(source);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new Error(`repository source "${source}" is neither a git URL nor an existing directory`);
  }
  return abs;
}

export function mirrorFor(dataDir: string, repoId: string, url: string): Mirror {
  if (!REPO_ID.test(repoId)) throw new Error(`invalid repository id "${repoId}" (letters, digits, . _ - only)`);
  return {
    repoId,
    path: join(dataDir, 'mirrors', `${repoId}.git`),
    worktreesDir: join(dataDir, 'worktrees', repoId),
    url,
  };
}

/**
 * Create the mirror if needed (idempotent) and fetch it.
 * @example const m = await registerRepository({ dataDir, repoId: 'proj_1', source: 'https://github.com/acme/app.git', token })
 */
export async function registerRepository(opts: RegisterOptions): Promise<Mirror> {
  const url = normaliseSource(opts.source);
  const mirror = mirrorFor(resolve(opts.dataDir), opts.repoId, url);
  await withLock(mirror.path, async () => {
    if (!existsSync(join(mirror.path, 'HEAD'))) {
      mkdirSync(mirror.path, { recursive: true });
      await git(['init', '--bare', '--quiet', mirror.path]);
      await git(['remote', 'add', 'origin', url], { cwd: mirror.path });
      await git(['config', '--unset-all', 'remote.origin.fetch'], { cwd: mirror.path }).catch(() => undefined);
      for (const spec of FETCH_REFSPECS) await git(['config', '--add', 'remote.origin.fetch', spec], { cwd: mirror.path });
      // Background gc while worktrees are being added races with them; we run it explicitly.
      await git(['config', 'gc.auto', '0'], { cwd: mirror.path });
      // Per-worktree config lets each sparse worktree carry its own sparse settings. As git's
      // own `sparse-checkout` does, core.bare moves to the main worktree's config so that linked
      // worktrees are not taken for bare repositories.
      await git(['config', 'extensions.worktreeConfig', 'true'], { cwd: mirror.path });
      await git(['config', '--unset', 'core.bare'], { cwd: mirror.path });
      await git(['config', '--worktree', 'core.bare', 'true'], { cwd: mirror.path });
    } else {
      const current = (await git(['remote', 'get-url', 'origin'], { cwd: mirror.path })).trim();
      if (current !== url) await git(['remote', 'set-url', 'origin', url], { cwd: mirror.path });
    }
    mkdirSync(mirror.worktreesDir, { recursive: true });
  });
  await fetchMirror(mirror, { token: opts.token });
  return mirror;
}

/** Bring the mirror up to date with upstream; call before each task. */
export async function fetchMirror(mirror: Mirror, opts: { token?: string } = {}): Promise<void> {
  await assertRemoteAllowed(mirror.url);
  await withLock(mirror.path, async () => {
    await git(['fetch', '--prune', '--quiet', 'origin'], { cwd: mirror.path, config: tokenConfig(mirror.url, opts.token) });
    // Remember upstream's default branch so tasks without an explicit base use it.
    await git(['remote', 'set-head', 'origin', '--auto'], { cwd: mirror.path, config: tokenConfig(mirror.url, opts.token) }).catch(() => undefined);
  });
}

/** Upstream's default branch name (e.g. "main"). */
export async function defaultBranch(mirror: Mirror): Promise<string> {
  const recorded = originHead(mirror.path);
  if (recorded) return recorded;
  try {
    const ref = (await git(['symbolic-ref', 'refs/remotes/origin/HEAD'], { cwd: mirror.path })).trim();
    return ref.replace('refs/remotes/origin/', '');
  } catch {
    const heads = (await git(['for-each-ref', '--format=%(refname:strip=3)', 'refs/remotes/origin/'], { cwd: mirror.path })).split('\n').filter(Boolean);
    const pick = heads.find((h) => h === 'main') ?? heads.find((h) => h === 'master') ?? heads[0];
    if (!pick) throw new Error(`repository ${mirror.repoId} has no branches yet`);
    return pick;
  }
}
