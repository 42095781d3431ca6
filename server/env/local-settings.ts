/**
 * Settings of a local checkout's environment for CLI runs (no project row to hold them): what
 * `nightshift env setup` was told (registries, mirrors, setup command) is kept beside the
 * checkout's cache, so `nightshift agent`, `run` and `sandbox exec --with-deps` on the same
 * folder use the same settings and so find the same cache entry.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectCacheDir } from './cache';
import type { ProjectEnvSettings } from './detect';
import type { RegistrySettings } from './setup';

export type LocalEnvSettings = { registries?: RegistrySettings; settings?: ProjectEnvSettings };

const FILE = 'settings.json';

export function loadLocalEnvSettings(dataDir: string, projectKey: string): LocalEnvSettings {
  try {
    return JSON.parse(readFileSync(join(projectCacheDir(dataDir, projectKey), FILE), 'utf8')) as LocalEnvSettings;
  } catch {
    return {};
  }
}

export function saveLocalEnvSettings(dataDir: string, projectKey: string, s: LocalEnvSettings): void {
  const dir = projectCacheDir(dataDir, projectKey);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, FILE), `${JSON.stringify(s, null, 2)}\n`);
}
