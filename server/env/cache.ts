/**
 * The dependency cache: one entry per project and cache key (the setup command, the contents of
 * the files that decide the install, the sandbox's toolchain versions) under the data directory,
 * shared by every task of the project.
 *
 *   <data>/env-cache/<project>/<key>/meta.json     what is inside, how it was made
 *                                   /tree/<rel>     workspace folders (node_modules, .venv …)
 *                                   /outside/<name> folders mounted outside the workspace
 *                                   /setup.log
 *   <data>/env-scratch/<id>/                       one task sandbox's writable folders + lease
 *
 * An entry is frozen when made (files read-only; owned by nobody when the server runs as root).
 * A task sandbox mounts the entry's folders **read-only** at the dependencies' places (nothing is
 * copied: starting costs a few mkdirs), with small writable folders of its own where tools keep
 * caches at test time (`node_modules/.cache`, `.vite` …; the top of Cargo's home). So a command
 * can neither change nor chmod a cached file (EROFS, whoever owns it) and cannot add files to
 * the dependency folders except in those cache folders. A sandbox holds a lease on its entry
 * (a file in its scratch folder, touched while it runs) and pruning never removes a leased entry.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { SANDBOX_WORKDIR, type SandboxBind } from '../../sandbox/types';
import type { ToolchainCheck, ToolchainProbe } from './toolchain';
import { DEP_DIR_NAMES, SETUP_CACHE_DIR, type OutsideDir, type SetupPlan } from './detect';

/** Bump when the layout or what a key covers changes: old entries then simply miss. */
export const CACHE_FORMAT = 2;
export const CACHE_DIR = 'env-cache';
export const SCRATCH_DIR = 'env-scratch';
/** The owner of frozen entries when the server runs as root. */
const NOBODY = 65534;
/** Defaults for pruning: entries unused this long go, then the oldest until under the size. */
export const DEFAULT_PRUNE = { maxAgeMs: 14 * 24 * 3600_000, maxBytes: 20 * 1024 ** 3 };
/** Scratch folders untouched this long belong to a process that died (a live sandbox touches its lease). */
const STALE_SCRATCH_MS = 24 * 3600_000;
/** How often a running sandbox refreshes its lease. */
export const LEASE_TOUCH_MS = 60_000;
/** The file in a sandbox's scratch folder naming the entry it uses. */
const LEASE_FILE = 'lease';

/**
 * Folders inside a dependency folder that tools write at test time (their caches): each task
 * sandbox gets its own writable folder there, seeded with what setup left in it. Everything
 * else in the dependency folder is read-only.
 */
export const WRITABLE_SUBDIRS: Readonly<Record<string, readonly string[]>> = {
  // Babel/eslint/nx (.cache), Vite's optimiser and Vitest's results (.vite, .vitest), tsc/others (.tmp).
  node_modules: ['.cache', '.vite', '.vitest', '.tmp'],
};

function writableSubdirsOf(rel: string): readonly string[] {
  return WRITABLE_SUBDIRS[posix.basename(rel)] ?? [];
}

export type CacheMeta = {
  format: number;
  key: string;
  projectKey: string;
  source: SetupPlan['source'];
  stacks: string[];
  command: string | null;
  /** Workspace-relative folders under tree/. */
  paths: string[];
  outside: OutsideDir[];
  taskEnv: Record<string, string>;
  pathPrepend: string[];
  createdAt: string;
  durationMs: number;
  sizeBytes: number;
  toolchain: ToolchainCheck[];
};

export type CacheEntry = { dir: string; meta: CacheMeta };

const isRoot = () => process.getuid?.() === 0;

function safeName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  if (!clean) throw new Error('empty cache name');
  return clean.slice(0, 100);
}

export function projectCacheDir(dataDir: string, projectKey: string): string {
  return join(dataDir, CACHE_DIR, safeName(projectKey));
}

function fileHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

/**
 * The cache key: everything that decides what setup installs. Two tasks with the same key get
 * the same dependencies; a branch that changes a lockfile gets a new key and its own setup.
 */
export function computeCacheKey(plan: SetupPlan, dir: string, extra: { probe: ToolchainProbe; registries?: unknown }): string {
  const doc = {
    format: CACHE_FORMAT,
    arch: `${process.platform}-${process.arch}`,
    source: plan.source,
    stacks: plan.stacks,
    command: plan.command,
    files: plan.keyFiles.map((f) => [f, fileHash(join(dir, f))]),
    outside: plan.outside,
    extraPaths: plan.extraPaths,
    setupEnv: plan.setupEnv,
    probe: extra.probe,
    registries: extra.registries ?? null,
  };
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 24);
}

/** A ready entry, or null. */
export function readEntry(dataDir: string, projectKey: string, key: string): CacheEntry | null {
  const dir = join(projectCacheDir(dataDir, projectKey), key);
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    return meta.format === CACHE_FORMAT && meta.key === key ? { dir, meta } : null;
  } catch {
    return null;
  }
}

/** Marks an entry used now (pruning removes the least recently used). */
export function touchEntry(entry: CacheEntry): void {
  const now = new Date();
  try {
    utimesSync(join(entry.dir, 'meta.json'), now, now);
  } catch {
    /* frozen by another uid: the age then counts from creation */
  }
}

/** Disk used by a tree, each inode once (hard links do not count twice). */
export function treeSize(dir: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (!seen.has(st.ino)) {
      seen.add(st.ino);
      total += st.blocks * 512;
    }
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
  return total;
}

/** Read-only for everyone, readable by everyone; owned by nobody when we are root. */
export function freezeTree(root: string): void {
  const root0 = isRoot();
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) {
      if (root0) lchownSync(p, NOBODY, NOBODY);
      return;
    }
    if (st.isDirectory()) {
      // Folders stay 0755 so copies made from them are writable by whoever made the copy; as
      // root they belong to nobody, so no sandbox can add to the cache itself.
      chmodSync(p, 0o755);
      for (const e of readdirSync(p)) walk(join(p, e));
      if (root0) chownSync(p, NOBODY, NOBODY);
      return;
    }
    const exec = st.mode & 0o111 ? 0o111 : 0;
    if (root0) chownSync(p, NOBODY, NOBODY);
    chmodSync(p, 0o444 | exec);
  };
  walk(root);
}

/** rm -rf that also works on frozen trees when we are not root (folders made writable first). */
export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  if (!isRoot()) {
    const walk = (p: string) => {
      let st;
      try {
        st = lstatSync(p);
      } catch {
        return;
      }
      if (!st.isDirectory()) return;
      try {
        chmodSync(p, 0o755);
      } catch {
        /* not ours */
      }
      for (const e of readdirSync(p)) walk(join(p, e));
    };
    walk(dir);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A plain copy of `src` at `dst` (the seed of a writable folder, usually empty): nothing in it
 * is shared with the cache, so changing it changes only this sandbox. `owner` gets the copy (the
 * container user when the server is root).
 */
function copyInto(src: string | null, dst: string, owner?: { uid: number; gid: number }): void {
  if (src && existsSync(src) && readdirSync(src).length > 0) {
    execFileSync('cp', ['-R', '-P', src, dst], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Frozen files come out read-only: the copy is this sandbox's own, so make it writable.
    execFileSync('chmod', ['-R', 'u+w', dst], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else mkdirSync(dst, { recursive: true });
  if (owner) execFileSync('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, dst], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Workspace-relative dependency folders a setup left in `dir`: every node_modules/.venv (not
 * inside another one), plus the project's extra paths that exist.
 */
export function findDependencyDirs(dir: string, extraPaths: readonly string[] = []): string[] {
  const names = new Set<string>(DEP_DIR_NAMES);
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '.git' || e.name === SETUP_CACHE_DIR) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (names.has(e.name)) out.push(p);
      else walk(p);
    }
  };
  walk('');
  for (const p of extraPaths) if (!out.includes(p) && existsSync(join(dir, p)) && statSync(join(dir, p)).isDirectory()) out.push(p);
  // A listed path inside another one is already carried by its parent.
  return out.sort().filter((p, i, all) => !all.some((q, j) => j !== i && p.startsWith(`${q}/`)));
}

/** Moves a finished setup's folders into a new entry and freezes it; returns the entry. */
export function commitEntry(opts: {
  dataDir: string;
  projectKey: string;
  key: string;
  staging: string;
  workDir: string;
  outsideDirs: Map<string, string>;
  meta: Omit<CacheMeta, 'format' | 'paths' | 'sizeBytes' | 'key' | 'projectKey'>;
  extraPaths: readonly string[];
  log: string;
}): CacheEntry {
  const finalDir = join(projectCacheDir(opts.dataDir, opts.projectKey), opts.key);
  const build = join(opts.staging, 'entry');
  mkdirSync(join(build, 'tree'), { recursive: true });
  mkdirSync(join(build, 'outside'), { recursive: true });
  const paths = findDependencyDirs(opts.workDir, opts.extraPaths);
  for (const rel of paths) {
    mkdirSync(dirname(join(build, 'tree', rel)), { recursive: true });
    renameSync(join(opts.workDir, rel), join(build, 'tree', rel));
  }
  // The mount points of the writable cache folders must exist in the read-only tree.
  for (const rel of paths) for (const w of writableSubdirsOf(rel)) mkdirSync(join(build, 'tree', rel, w), { recursive: true });
  for (const [name, dir] of opts.outsideDirs) renameSync(dir, join(build, 'outside', name));
  writeFileSync(join(build, 'setup.log'), opts.log);
  freezeTree(join(build, 'tree'));
  freezeTree(join(build, 'outside'));
  const sizeBytes = treeSize(build);
  const meta: CacheMeta = { format: CACHE_FORMAT, key: opts.key, projectKey: opts.projectKey, paths, sizeBytes, ...opts.meta };
  writeFileSync(join(build, 'meta.json'), JSON.stringify(meta, null, 2));
  mkdirSync(dirname(finalDir), { recursive: true });
  try {
    renameSync(build, finalDir);
  } catch (err) {
    // Another process finished the same key first: theirs is as good as ours.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    removeTree(build);
  }
  const entry = readEntry(opts.dataDir, opts.projectKey, opts.key);
  if (!entry) throw new Error(`cache entry ${finalDir} could not be read back`);
  return entry;
}

export type DepsAttachment = {
  binds: SandboxBind[];
  env: Record<string, string>;
  pathPrepend: string[];
  /** Workspace-relative folders mounted (for logs). */
  paths: string[];
  /** Keeps the lease fresh (called by the sandbox while it runs; cheap, throttled). */
  touch(): void;
  /** Removes the sandbox's writable folders and its lease. */
  dispose(): void;
};

/**
 * A task sandbox's view of an entry: the entry's folders mounted read-only at the dependencies'
 * places, each writable cache folder (and a writable-root folder's top) a fresh folder of this
 * sandbox under the scratch folder, and a lease that keeps pruning away from the entry. `owner`
 * gets the writable folders (uid 1000 for the docker driver as root).
 */
export function attachEntry(dataDir: string, entry: CacheEntry, owner?: { uid: number; gid: number }): DepsAttachment {
  touchEntry(entry);
  const scratch = join(dataDir, SCRATCH_DIR, `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  mkdirSync(scratch, { recursive: true });
  const binds: SandboxBind[] = [];
  try {
    writeFileSync(join(scratch, LEASE_FILE), entry.dir);
    entry.meta.paths.forEach((rel, i) => {
      const src = join(entry.dir, 'tree', rel);
      const target = posix.join(SANDBOX_WORKDIR, rel);
      binds.push({ source: src, target, readOnly: true });
      for (const w of writableSubdirsOf(rel)) {
        // Only where the entry has the mount point (entries made by this format always do).
        if (!existsSync(join(src, w))) continue;
        const own = join(scratch, `w${i}-${w.replace(/^\./, '')}`);
        copyInto(join(src, w), own, owner);
        binds.push({ source: own, target: posix.join(target, w) });
      }
    });
    for (const o of entry.meta.outside) {
      const src = join(entry.dir, 'outside', o.name);
      if (!existsSync(src)) continue;
      if (!o.writableRoot) {
        binds.push({ source: src, target: o.target, readOnly: true });
        continue;
      }
      // A writable top with the cached folders inside it read-only; top-level files are copied.
      const top = join(scratch, `o-${o.name}`);
      mkdirSync(top);
      const inner: SandboxBind[] = [];
      for (const e of readdirSync(src, { withFileTypes: true })) {
        if (e.isDirectory()) {
          mkdirSync(join(top, e.name));
          inner.push({ source: join(src, e.name), target: posix.join(o.target, e.name), readOnly: true });
        } else if (e.isFile()) {
          execFileSync('cp', ['-P', join(src, e.name), join(top, e.name)], { stdio: ['ignore', 'ignore', 'pipe'] });
          chmodSync(join(top, e.name), 0o644);
        }
      }
      if (owner) execFileSync('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, top], { stdio: ['ignore', 'ignore', 'pipe'] });
      binds.push({ source: top, target: o.target }, ...inner);
    }
  } catch (err) {
    removeTree(scratch);
    throw err;
  }
  let disposed = false;
  let touched = Date.now();
  return {
    binds,
    env: entry.meta.taskEnv,
    pathPrepend: entry.meta.pathPrepend,
    paths: entry.meta.paths,
    touch() {
      if (disposed || Date.now() - touched < LEASE_TOUCH_MS) return;
      touched = Date.now();
      const now = new Date();
      try {
        utimesSync(join(scratch, LEASE_FILE), now, now);
        utimesSync(scratch, now, now);
      } catch {
        /* removed by an operator: pruning may then take the entry, the next setup rebuilds it */
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      removeTree(scratch);
    },
  };
}

/** Entries leased by live sandboxes (scratch folders touched within the stale limit). */
function leasedEntries(dataDir: string, now: number): Set<string> {
  const out = new Set<string>();
  const root = join(dataDir, SCRATCH_DIR);
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    try {
      const lease = join(root, name, LEASE_FILE);
      if (now - statSync(lease).mtimeMs > STALE_SCRATCH_MS) continue;
      out.add(readFileSync(lease, 'utf8').trim());
    } catch {
      /* no lease (an old scratch folder) */
    }
  }
  return out;
}

export type PruneResult = { removed: string[]; keptBytes: number };

/**
 * Removes entries unused for longer than `maxAgeMs`, then the least recently used until the
 * cache fits in `maxBytes`, and scratch folders left by dead processes. `keep` entries and
 * entries leased by a running sandbox are never removed.
 */
export function pruneCache(dataDir: string, opts: { maxAgeMs?: number; maxBytes?: number; keep?: string[]; now?: number } = {}): PruneResult {
  const maxAge = opts.maxAgeMs ?? DEFAULT_PRUNE.maxAgeMs;
  const maxBytes = opts.maxBytes ?? DEFAULT_PRUNE.maxBytes;
  const now = opts.now ?? Date.now();
  const keep = new Set([...(opts.keep ?? []), ...leasedEntries(dataDir, now)]);
  const root = join(dataDir, CACHE_DIR);
  const entries: Array<{ dir: string; used: number; size: number }> = [];
  const removed: string[] = [];
  if (existsSync(root)) {
    for (const project of readdirSync(root)) {
      const pdir = join(root, project);
      for (const name of readdirSync(pdir)) {
        const dir = join(pdir, name);
        if (!statSync(dir).isDirectory()) continue;
        if (name.startsWith('.staging-')) {
          // A setup that died midway; a live one is younger than its own time limit.
          if (now - statSync(dir).mtimeMs > STALE_SCRATCH_MS) {
            removeTree(dir);
            removed.push(dir);
          }
          continue;
        }
        let meta: CacheMeta;
        let used: number;
        try {
          meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
          used = statSync(join(dir, 'meta.json')).mtimeMs;
        } catch {
          continue;
        }
        entries.push({ dir, used, size: meta.sizeBytes });
      }
    }
  }
  let total = entries.reduce((a, e) => a + e.size, 0);
  const byAge = entries.sort((a, b) => a.used - b.used);
  for (const e of byAge) {
    if (keep.has(e.dir)) continue;
    if (now - e.used > maxAge || total > maxBytes) {
      removeTree(e.dir);
      removed.push(e.dir);
      total -= e.size;
    }
  }
  const scratchRoot = join(dataDir, SCRATCH_DIR);
  if (existsSync(scratchRoot)) {
    for (const name of readdirSync(scratchRoot)) {
      const dir = join(scratchRoot, name);
      if (now - statSync(dir).mtimeMs > STALE_SCRATCH_MS) {
        removeTree(dir);
        removed.push(dir);
      }
    }
  }
  return { removed, keptBytes: total };
}

/** Bytes used by one project's entries. */
export function projectCacheBytes(dataDir: string, projectKey: string): number {
  const pdir = projectCacheDir(dataDir, projectKey);
  if (!existsSync(pdir)) return 0;
  let total = 0;
  for (const name of readdirSync(pdir)) {
    try {
      total += (JSON.parse(readFileSync(join(pdir, name, 'meta.json'), 'utf8')) as CacheMeta).sizeBytes;
    } catch {
      /* staging or broken */
    }
  }
  return total;
}
