/**
 * The task environment of a project's task run by the scheduler (the web flow): the project's
 * setup command and cache paths, the organisation's registries and registry tokens (from its
 * secrets, for the setup sandbox only), and every setup recorded against the project, run and
 * task so the project page and the run show it.
 *
 *   createPipelineExecutor({ db, dataDir, environment: (task, c) => projectTaskEnvironment({ db, dataDir, driver, orgId: task.orgId, projectId: c.projectId, runId: task.runId, taskId: task.id }) })
 */
import type { SandboxDriverName } from '../../sandbox/types';
import type { DB } from '../db/client';
import { recordEnvSetup } from '../services/env-setups';
import { loadEnvSetupInputs } from '../services/env-settings';
import { createTaskEnvironment, type TaskEnvironment } from './session-setup';
import type { EnvSetupResult } from './setup';

/** The columns a setup row keeps (the cache entry itself stays on disk). */
export function setupRecord(r: EnvSetupResult) {
  return {
    status: r.status,
    source: r.source,
    stacks: r.stacks,
    command: r.command,
    cacheKey: r.cacheKey,
    cached: r.cached,
    durationMs: r.durationMs,
    sizeBytes: r.sizeBytes,
    toolchain: r.toolchain,
    log: r.log,
    error: r.error ?? null,
  };
}

/**
 * The executor's `environment` input for the scheduler: each task's environment from its
 * project's settings, recorded against the task. `driver` is the one the executor's sandboxes use.
 */
export function projectEnvironments(db: DB, dataDir: string, driver: SandboxDriverName) {
  return (task: { id: string; orgId: string; runId: string }, context: { projectId: string }): TaskEnvironment | null =>
    projectTaskEnvironment({ db, dataDir, driver, orgId: task.orgId, projectId: context.projectId, runId: task.runId, taskId: task.id });
}

export function projectTaskEnvironment(opts: {
  db: DB;
  dataDir: string;
  driver: SandboxDriverName;
  orgId: string;
  projectId: string;
  runId?: string | null;
  taskId?: string | null;
  log?: (line: string) => void;
}): TaskEnvironment | null {
  // The none driver can neither fence a setup nor mount a cache: such tasks get no dependencies.
  if (opts.driver === 'none') return null;
  return createTaskEnvironment({
    dataDir: opts.dataDir,
    projectKey: opts.projectId,
    driver: opts.driver,
    log: opts.log,
    inputs: () => loadEnvSetupInputs(opts.db, opts.orgId, opts.projectId),
    onResult: async (r) => {
      await recordEnvSetup(opts.db, { orgId: opts.orgId, projectId: opts.projectId, runId: opts.runId ?? null, taskId: opts.taskId ?? null, result: setupRecord(r) });
    },
  });
}
