/**
 * Memory and process-count limits for one sandboxed command, through cgroups v1 (separate
 * `memory` and `pids` hierarchies) or v2 (one unified hierarchy), whichever the host mounts.
 * The cgroup also gives the timeout a complete list of the command's processes to kill, which
 * `setsid` or double forks cannot leave.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
const GROUP_PARENT = 'nightshift-sandbox';
/** Sweeps of "kill everything listed" before giving up on a cgroup that keeps refilling. */
const KILL_SWEEPS = 50;
/** Removing a cgroup fails while killed processes are still exiting; retry for up to ~1 s. */
const DESTROY_ATTEMPTS = 50;
const DESTROY_RETRY_MS = 20;

export type CgroupLimits = { memoryBytes: number; pidsMax: number };

export type CgroupHandle = {
  readonly version: 1 | 2;
  /** `cgroup.procs` files a process must write its pid into to join every controller. */
  readonly procsFiles: string[];
  /** True when the kernel's OOM killer fired inside this cgroup. */
  oomKilled(): boolean;
  /** Pids currently in the cgroup. */
  pids(): number[];
  /** SIGKILL every process in the cgroup until none is left. */
  killAll(): void;
  /**
   * Kill what is left and remove the cgroup directories, waiting briefly for killed processes
   * to finish exiting (a process releasing a large heap stays listed for a few milliseconds).
   */
  destroy(): Promise<void>;
};

export type CgroupSupport = { version: 1 | 2; base: string[] } | { version: 0; reason: string };

function tryWrite(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

function readPids(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function ensureDir(path: string): boolean {
  try {
    mkdirSync(path, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

let cached: CgroupSupport | undefined;

/** Which cgroup version the host offers and where sandbox groups go; cached per process. */
export function detectCgroups(): CgroupSupport {
  if (cached) return cached;
  cached = probe();
  return cached;
}

function probe(): CgroupSupport {
  if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) {
    // v2: controllers must be enabled in every ancestor's subtree_control. The root cgroup is
    // exempt from the "no internal processes" rule, so a group directly under it works when we
    // are allowed to write there (root, or a delegated hierarchy mounted for us).
    const base = join(CGROUP_ROOT, GROUP_PARENT);
    tryWrite(join(CGROUP_ROOT, 'cgroup.subtree_control'), '+memory +pids');
    if (!ensureDir(base)) return { version: 0, reason: `cannot create ${base} (not root, and no delegated cgroup)` };
    tryWrite(join(base, 'cgroup.subtree_control'), '+memory +pids');
    const enabled = readFileSync(join(base, 'cgroup.subtree_control'), 'utf8');
    if (!enabled.includes('memory') || !enabled.includes('pids')) {
      return { version: 0, reason: `the memory and pids controllers are not available under ${base}` };
    }
    return { version: 2, base: [base] };
  }
  const memory = join(CGROUP_ROOT, 'memory');
  const pids = join(CGROUP_ROOT, 'pids');
  if (!existsSync(join(memory, 'cgroup.procs')) || !existsSync(join(pids, 'cgroup.procs'))) {
    return { version: 0, reason: 'no cgroup v2 hierarchy and no v1 memory+pids hierarchies under /sys/fs/cgroup' };
  }
  const bases = [join(memory, GROUP_PARENT), join(pids, GROUP_PARENT)];
  for (const b of bases) if (!ensureDir(b)) return { version: 0, reason: `cannot create ${b} (needs root)` };
  return { version: 1, base: bases };
}

/** Create the cgroup(s) for one command. Throws with a clear message when limits cannot be set. */
export function createCgroup(name: string, limits: CgroupLimits): CgroupHandle {
  const support = detectCgroups();
  if (support.version === 0) throw new Error(`cgroups unavailable: ${support.reason}`);
  const dirs = support.base.map((b) => join(b, name));
  for (const d of dirs) mkdirSync(d);
  const fail = (what: string) => {
    for (const d of dirs) try { rmdirSync(d); } catch { /* best effort */ }
    throw new Error(`cannot set ${what} on ${dirs.join(', ')}`);
  };

  if (support.version === 2) {
    const [dir] = dirs;
    if (!tryWrite(join(dir, 'memory.max'), String(limits.memoryBytes))) fail('memory.max');
    tryWrite(join(dir, 'memory.swap.max'), '0'); // absent without swap accounting
    if (!tryWrite(join(dir, 'pids.max'), String(limits.pidsMax))) fail('pids.max');
  } else {
    const [mem, pid] = dirs;
    if (!tryWrite(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes))) fail('memory.limit_in_bytes');
    // Without this a bomb could spill into swap instead of being killed; absent when swap
    // accounting is off, which is fine.
    tryWrite(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    if (!tryWrite(join(pid, 'pids.max'), String(limits.pidsMax))) fail('pids.max');
  }

  const procsFiles = dirs.map((d) => join(d, 'cgroup.procs'));
  // The pids controller (v1) or the single group (v2) lists every process of the command.
  const listFile = support.version === 2 ? procsFiles[0] : procsFiles[1];

  const handle: CgroupHandle = {
    version: support.version,
    procsFiles,
    oomKilled() {
      const file = support.version === 2 ? join(dirs[0], 'memory.events') : join(dirs[0], 'memory.oom_control');
      try {
        const m = /oom_kill (\d+)/.exec(readFileSync(file, 'utf8'));
        return m ? Number(m[1]) > 0 : false;
      } catch {
        return false;
      }
    },
    pids: () => readPids(listFile),
    killAll() {
      if (support.version === 2 && tryWrite(join(dirs[0], 'cgroup.kill'), '1')) {
        // cgroup.kill is atomic against forks; wait for the list to drain below.
      }
      for (let i = 0; i < KILL_SWEEPS; i++) {
        const pids = readPids(listFile);
        if (pids.length === 0) return;
        for (const p of pids) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
    },
    async destroy() {
      let left = [...dirs];
      for (let attempt = 0; attempt < DESTROY_ATTEMPTS && left.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, DESTROY_RETRY_MS));
        handle.killAll();
        left = left.filter((d) => {
          try {
            rmdirSync(d);
            return false;
          } catch (err) {
            return (err as NodeJS.ErrnoException).code !== 'ENOENT';
          }
        });
      }
      // Anything still busy is removed by `removeStaleCgroups` once this process is gone.
    },
  };
  return handle;
}

/** Name for a command's cgroup; carries our pid so a later sweep can tell live from stale. */
export function cgroupName(suffix: string): string {
  return `run-${process.pid}-${suffix}`;
}

function ownerAlive(name: string): boolean {
  const m = /^run-(\d+)-/.exec(name);
  if (!m) return true; // not ours to judge
  try {
    process.kill(Number(m[1]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove sandbox cgroups whose owning server process has died (a crash mid-command), killing
 * anything still inside. Groups of live processes are left alone: they may be in use.
 */
export function removeStaleCgroups(): void {
  const support = detectCgroups();
  if (support.version === 0) return;
  for (const base of support.base) {
    let entries: string[] = [];
    try {
      entries = readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (ownerAlive(name)) continue;
      const dir = join(base, name);
      for (const pid of readPids(join(dir, 'cgroup.procs'))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        /* still draining; next sweep */
      }
    }
  }
}
