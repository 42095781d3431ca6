import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDriver } from '../../../sandbox/index';
import { dataDir as defaultDataDir } from '../../config';
import { DEFAULT_PRUNE, pruneCache } from '../../env/cache';
import { loadLocalEnvSettings, saveLocalEnvSettings } from '../../env/local-settings';
import { localProjectKey } from '../../env/project-key';
import { DEFAULT_DOWNLOAD_BYTES, DOWNLOAD_LIMIT_VAR, formatBytes, parseByteSize } from '../../env/limits';
import { ensureEnvironment, type RegistrySettings } from '../../env/setup';

const USAGE = `usage: nightshift env setup --repo DIR [--driver auto|docker|bwrap] [--registry HOST]... [--only-registries]
                         [--npm-registry URL] [--pip-index-url URL] [--setup-command CMD] [--timeout-s N] [--memory-mb N]
                         [--download-limit SIZE|off] [--force]
       nightshift env prune [--max-age-days N] [--max-size-gb N]

setup: installs DIR's dependencies into the data directory's cache (${'$'}NIGHTSHIFT_DATA_DIR, default ./.nightshift)
in a sandbox whose only network is an egress proxy to the package registries. DIR is not modified.
Progress goes to stderr; the last line on stdout is
  {"status":"ready"|"failed","command","durationMs","cacheKey","cached":bool}
and the exit code is 0 when ready (also when there is nothing to install), 1 when setup failed.
--download-limit (default ${'$'}${DOWNLOAD_LIMIT_VAR} or ${formatBytes(DEFAULT_DOWNLOAD_BYTES)}): bytes the setup may move through the
proxy (e.g. 500MiB, 4GiB); past it every connection is cut and the setup fails.
prune: removes cache entries unused for longer than the age (default ${DEFAULT_PRUNE.maxAgeMs / 86_400_000} days), then the oldest
until the cache fits the size (default ${DEFAULT_PRUNE.maxBytes / 1024 ** 3} GiB).
`;

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number (got "${value}")`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      repo: { type: 'string' },
      driver: { type: 'string' },
      registry: { type: 'string', multiple: true },
      'only-registries': { type: 'boolean', default: false },
      'npm-registry': { type: 'string' },
      'pip-index-url': { type: 'string' },
      'setup-command': { type: 'string' },
      'timeout-s': { type: 'string' },
      'memory-mb': { type: 'string' },
      'download-limit': { type: 'string' },
      force: { type: 'boolean', default: false },
      'max-age-days': { type: 'string' },
      'max-size-gb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub] = positionals;
  if (values.help || !sub) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const data = defaultDataDir();
  if (sub === 'prune') {
    const days = positive(values['max-age-days'], '--max-age-days');
    const gb = positive(values['max-size-gb'], '--max-size-gb');
    const r = pruneCache(data, { maxAgeMs: days === undefined ? undefined : days * 86_400_000, maxBytes: gb === undefined ? undefined : gb * 1024 ** 3 });
    process.stdout.write(`${JSON.stringify({ removed: r.removed.length, keptBytes: r.keptBytes })}\n`);
    return 0;
  }
  if (sub !== 'setup') {
    process.stderr.write(`nightshift env: unknown subcommand "${sub}"\n\n${USAGE}`);
    return 2;
  }
  if (!values.repo) {
    process.stderr.write(`nightshift env setup: --repo DIR is required\n\n${USAGE}`);
    return 2;
  }
  const repo = resolve(values.repo);
  if (!existsSync(repo) || !statSync(repo).isDirectory()) {
    process.stderr.write(`nightshift env setup: --repo ${repo} is not a directory\n`);
    return 2;
  }
  const registries: RegistrySettings = {
    extra: values.registry ?? [],
    replaceDefaults: values['only-registries'],
    urls: { ...(values['npm-registry'] ? { npm: values['npm-registry'] } : {}), ...(values['pip-index-url'] ? { pip: values['pip-index-url'] } : {}) },
  };
  const projectKey = localProjectKey(repo);
  // Flags given now become this checkout's settings (agent, run and sandbox exec use them too);
  // without flags the saved ones apply.
  const given = Boolean(values.registry?.length || values['only-registries'] || values['npm-registry'] || values['pip-index-url'] || values['setup-command']);
  const saved = loadLocalEnvSettings(data, projectKey);
  const settings = given ? { registries, settings: values['setup-command'] ? { setupCommand: values['setup-command'] } : {} } : saved;
  if (given) saveLocalEnvSettings(data, projectKey, settings);
  const timeoutS = positive(values['timeout-s'], '--timeout-s');
  const memoryMb = positive(values['memory-mb'], '--memory-mb');
  let downloadBytes: number | null | undefined;
  if (values['download-limit'] !== undefined) {
    try {
      downloadBytes = parseByteSize(values['download-limit']);
    } catch (err) {
      throw new Error(`--download-limit: ${(err as Error).message}`);
    }
  }
  const result = await ensureEnvironment({
    dataDir: data,
    projectKey,
    workspaceDir: repo,
    driver: parseDriver(values.driver ?? process.env.SANDBOX_DRIVER),
    settings: settings.settings,
    registries: settings.registries,
    limits: { ...(timeoutS ? { timeoutS } : {}), ...(memoryMb ? { memoryMb } : {}), ...(downloadBytes !== undefined ? { downloadBytes } : {}) },
    force: values.force,
    log: (l) => process.stderr.write(`${l}\n`),
    onOutput: (c) => process.stderr.write(c),
  });
  if (result.status === 'none') process.stderr.write(`${result.log.trim()}\n`);
  if (result.status === 'failed') process.stderr.write(`setup failed: ${result.error}\n`);
  else if (result.cached) process.stderr.write(`${result.log.trim()}\n`);
  const summary = {
    // "Nothing to install" is a ready environment: tasks start without dependencies.
    status: result.status === 'failed' ? 'failed' : 'ready',
    command: result.command,
    durationMs: result.durationMs,
    cacheKey: result.cacheKey,
    cached: result.cached,
    ...(result.status === 'none' ? { note: 'no recognisable stack: nothing to install' } : {}),
    ...(result.toolchain.some((c) => c.ok === false) ? { toolchain: result.toolchain.filter((c) => c.ok === false).map((c) => c.message) } : {}),
    ...(result.sizeBytes !== null ? { sizeBytes: result.sizeBytes } : {}),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return result.status === 'failed' ? 1 : 0;
}
