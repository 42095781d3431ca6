import type { SandboxDriverName } from '../../sandbox/types';
import { loadLocalEnvSettings } from '../env/local-settings';
import { localProjectKey } from '../env/project-key';
import { createTaskEnvironment, type TaskEnvironment } from '../env/session-setup';

/**
 * The dependency environment of each task a CLI command runs on a local checkout (issue 21):
 * set up before the first role (or taken from the cache) with the settings `nightshift env setup`
 * saved for that folder. None with the `none` driver, which cannot mount the cache.
 */
export function cliEnvironment(opts: { dataDir: string; repo: string; driver: SandboxDriverName; log: (line: string) => void; quiet?: boolean }): (() => TaskEnvironment | null) | undefined {
  if (opts.driver === 'none') return undefined;
  const projectKey = localProjectKey(opts.repo);
  const local = loadLocalEnvSettings(opts.dataDir, projectKey);
  return () =>
    createTaskEnvironment({
      dataDir: opts.dataDir,
      projectKey,
      driver: opts.driver,
      settings: local.settings,
      registries: local.registries,
      log: opts.log,
      onOutput: opts.quiet ? undefined : (c) => process.stderr.write(c),
    });
}
