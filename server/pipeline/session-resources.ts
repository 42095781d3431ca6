import { createSandbox } from '../../sandbox/index';
import type { Sandbox, SandboxDriverName } from '../../sandbox/types';
import type { TaskWorkspace } from '../repos/task-workspace';
import type { TaskEnvironment } from '../env/session-setup';
import { observeSandboxStart } from '../observability/metrics';

/**
 * The sandbox of every task, whichever path runs it: a project's test suite gets more room than
 * the sandbox defaults, with a hard wall-clock limit per command.
 */
export const TASK_SANDBOX_LIMITS = { memoryMb: 1024, timeoutS: 300 } as const;

/**
 * Starts a task's sandbox on its worktree: no network, no host environment (no API key or token
 * can reach a command), the mirror read-only so `git status`/`git diff` work inside, and — when
 * the task has an environment — the project's dependencies from the cache.
 */
export async function startTaskSandbox(opts: { driver: SandboxDriverName; workspace: TaskWorkspace; environment?: TaskEnvironment | null }): Promise<Sandbox> {
  const options = {
    workspaceDir: opts.workspace.worktree.path,
    memoryMb: TASK_SANDBOX_LIMITS.memoryMb,
    timeoutS: TASK_SANDBOX_LIMITS.timeoutS,
    readOnlyPaths: [opts.workspace.mirror.path],
    network: false as const,
    env: {},
  };
  const started = process.hrtime.bigint();
  // With an environment, the sandbox mounts the project's cached dependencies (issue 21).
  const sandbox = opts.environment ? await opts.environment.createSandbox(options) : await createSandbox({ ...options, driver: opts.driver });
  await sandbox.start();
  observeSandboxStart(sandbox.driver, Number(process.hrtime.bigint() - started) / 1e9);
  return sandbox;
}

/**
 * The files a task's worktree materialises: all of them (the project's test suite needs the whole
 * tree), unless the project opts into sparse checkouts (`settings.sparseCheckout: true`, for very
 * large repositories), when only the task's declared files' directories are checked out.
 */
export function checkoutFiles(taskFiles: string[], projectSettings: Record<string, unknown> | null | undefined): string[] | undefined {
  return projectSettings?.sparseCheckout === true && taskFiles.length ? taskFiles : undefined;
}
