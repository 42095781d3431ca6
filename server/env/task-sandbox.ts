/**
 * A task sandbox with the project's cached dependencies: the sandbox an agent's commands run
 * in, with a cache entry mounted read-only at the dependencies' places (plus the sandbox's own
 * writable cache folders, see server/env/cache.ts) and the variables that point tools at them
 * (and keep them offline). `attach` swaps the entry (after `install_dependencies` made a new one)
 * by recreating the inner sandbox, which for bubblewrap costs nothing and for a container one
 * restart.
 */
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { createSandbox, resolveDriver } from '../../sandbox/index';
import { SANDBOX_WORKDIR, type ExecOptions, type ExecResult, type Sandbox, type SandboxOptions } from '../../sandbox/types';
import { attachEntry, type CacheEntry, type DepsAttachment } from './cache';

const CONTAINER_OWNER = { uid: 1000, gid: 1000 };

/**
 * Every task sandbox has no network, whatever the project's stack: package managers are told so,
 * so they fail at once instead of retrying. (npm alone retries a lookup for ~70 s: a Python
 * project's agent typing `npm view` or `npx tool` waited that long for ENOTFOUND.)
 */
export const OFFLINE_TASK_ENV: Readonly<Record<string, string>> = {
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  YARN_ENABLE_OFFLINE_MODE: '1',
  PIP_NO_INDEX: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  UV_OFFLINE: '1',
  GOPROXY: 'off',
  CARGO_NET_OFFLINE: 'true',
};

export interface DepsSandbox extends Sandbox {
  /** Mount another cache entry (or none); running commands are not affected until they end. */
  attach(entry: CacheEntry | null): Promise<void>;
  /** Workspace-relative dependency folders currently mounted. */
  readonly dependencyPaths: string[];
}

export async function createDepsSandbox(opts: SandboxOptions & { dataDir: string; entry: CacheEntry | null }): Promise<DepsSandbox> {
  const { dataDir, entry: first, ...base } = opts;
  const driver = await resolveDriver(base.driver ?? 'auto', base.socketPath);
  if (driver === 'none' && first) throw new Error('cached dependencies need an isolating sandbox (bwrap or docker); the "none" driver cannot mount them');
  let inner: Sandbox | null = null;
  let deps: DepsAttachment | null = null;
  let started = false;
  /** Mount points the sandbox created in the workspace (removed again when empty). */
  const createdMountPoints = new Set<string>();

  const build = async (entry: CacheEntry | null) => {
    const owner = driver === 'docker' && process.getuid?.() === 0 ? CONTAINER_OWNER : undefined;
    deps = entry ? attachEntry(dataDir, entry, owner) : null;
    for (const rel of deps?.paths ?? []) if (!existsSync(join(base.workspaceDir, rel))) createdMountPoints.add(rel);
    inner = await createSandbox({
      ...base,
      driver,
      binds: [...(base.binds ?? []), ...(deps?.binds ?? [])],
      env: { ...OFFLINE_TASK_ENV, ...(deps?.env ?? {}), ...(base.env ?? {}) },
      pathPrepend: [...(deps?.pathPrepend ?? []), ...(base.pathPrepend ?? [])],
    });
  };
  const teardown = async () => {
    await inner?.stop().catch(() => undefined);
    inner = null;
    deps?.dispose();
    deps = null;
    for (const rel of createdMountPoints) {
      const p = join(base.workspaceDir, rel);
      try {
        if (readdirSync(p).length === 0) rmdirSync(p);
      } catch {
        /* gone or now used by the project */
      }
    }
    createdMountPoints.clear();
  };
  await build(first);
  const s: DepsSandbox = {
    driver,
    isolated: driver !== 'none',
    workdir: driver === 'none' ? base.workspaceDir : SANDBOX_WORKDIR,
    get dependencyPaths() {
      return deps?.paths.map((p) => posix.join(p)) ?? [];
    },
    async start() {
      await inner!.start();
      started = true;
    },
    async exec(cmd: string[], o?: ExecOptions): Promise<ExecResult> {
      if (!inner) throw new Error('sandbox stopped');
      deps?.touch();
      return inner.exec(cmd, o);
    },
    async stop() {
      started = false;
      await teardown();
    },
    async attach(entry) {
      const wasStarted = started;
      await teardown();
      await build(entry);
      if (wasStarted) await s.start();
    },
  };
  return s;
}
