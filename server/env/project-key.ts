import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';

/**
 * The cache's project key for a local checkout (CLI runs): the same folder always maps to the
 * same key, so `env setup --repo DIR`, `agent --repo DIR` and `sandbox exec --workspace DIR
 * --with-deps` share one cache. Server projects use their id.
 */
export function localProjectKey(dir: string): string {
  return `local-${createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 16)}`;
}
