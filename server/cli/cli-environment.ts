import type { SandboxDriverName } from '../../sandbox/types';
import type { DB } from '../db/client';
import { loadLocalEnvSettings } from '../env/local-settings';
import { setupRecord } from '../env/project-environment';
import { localProjectKey } from '../env/project-key';
import { createTaskEnvironment, type TaskEnvironment } from '../env/session-setup';
import { recordEnvSetup } from '../services/env-setups';

/**
 * The dependency environment of each task a CLI command runs on a local checkout (issue 21):
 * set up before the first role (or taken from the cache) with the settings `nightshift env setup`
 * saved for that folder, and recorded against the run's project like the scheduler's setups (so
 * the web app's Environment card and the run show them). The cache is the checkout's own (keyed
 * by its path), shared with `env setup` and `sandbox exec --with-deps`. None with the `none`
 * driver, which cannot mount the cache.
 */
export function cliEnvironment(opts: {
  db: DB;
  dataDir: string;
  repo: string;
  driver: SandboxDriverName;
  log: (line: string) => void;
  quiet?: boolean;
}): ((task: { id: string; orgId: string; runId: string }, context: { projectId: string }) => TaskEnvironment | null) | undefined {
  if (opts.driver === 'none') return undefined;
  const projectKey = localProjectKey(opts.repo);
  const local = loadLocalEnvSettings(opts.dataDir, projectKey);
  return (task, context) =>
    createTaskEnvironment({
      dataDir: opts.dataDir,
      projectKey,
      driver: opts.driver,
      settings: local.settings,
      registries: local.registries,
      log: opts.log,
      onOutput: opts.quiet ? undefined : (c) => process.stderr.write(c),
      onResult: async (r) => {
        await recordEnvSetup(opts.db, { orgId: task.orgId, projectId: context.projectId, runId: task.runId, taskId: task.id, result: setupRecord(r) });
      },
    });
}
