import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSandbox, parseDriver, SandboxUnavailableError, type Sandbox } from '../../../sandbox/index';
import { dataDir } from '../../config';
import { loadLocalEnvSettings } from '../../env/local-settings';
import { localProjectKey } from '../../env/project-key';
import { ensureEnvironment } from '../../env/setup';
import { createDepsSandbox } from '../../env/task-sandbox';

const USAGE = `usage: nightshift sandbox exec --workspace DIR [--driver auto|docker|bwrap|none] [--with-deps]
                              [--memory-mb N] [--timeout-s N] [--env NAME=VALUE]... -- CMD ARGS...

Runs one command in a sandbox with DIR mounted read-write as its working directory, streams its
output and exits with its exit code: 124 when the timeout killed it, 137 when it ran out of memory.
The driver defaults to $SANDBOX_DRIVER or auto (docker when a socket answers, else bubblewrap).
--with-deps mounts DIR's cached dependencies (running \`nightshift env setup\` first when the cache
has none for its lockfiles); the command itself still has no network.
`;

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new SandboxUnavailableError(`${flag} must be a positive integer (got "${value}")`);
  return n;
}

/** `nightshift sandbox exec …`: one command in a sandbox, for scripts, benchmarks and debugging. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      workspace: { type: 'string', short: 'w' },
      driver: { type: 'string' },
      'memory-mb': { type: 'string' },
      'timeout-s': { type: 'string' },
      env: { type: 'string', multiple: true },
      'with-deps': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...cmd] = positionals;
  if (values.help || !sub) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (sub !== 'exec') {
    process.stderr.write(`nightshift sandbox: unknown subcommand "${sub}"\n\n${USAGE}`);
    return 2;
  }
  if (!values.workspace) {
    process.stderr.write(`nightshift sandbox exec: --workspace DIR is required\n\n${USAGE}`);
    return 2;
  }
  if (cmd.length === 0) {
    process.stderr.write(`nightshift sandbox exec: give the command after --\n\n${USAGE}`);
    return 2;
  }
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SandboxUnavailableError(`--env expects NAME=VALUE (got "${pair}")`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const memoryMb = positiveInt(values['memory-mb'], '--memory-mb', 256);
  const timeoutS = positiveInt(values['timeout-s'], '--timeout-s', 30);

  const driver = parseDriver(values.driver ?? process.env.SANDBOX_DRIVER);
  const workspaceDir = resolve(values.workspace);
  let sandbox: Sandbox;
  if (values['with-deps']) {
    const projectKey = localProjectKey(workspaceDir);
    const local = loadLocalEnvSettings(dataDir(), projectKey);
    const setup = await ensureEnvironment({
      dataDir: dataDir(),
      projectKey,
      settings: local.settings,
      registries: local.registries,
      workspaceDir,
      driver,
      log: (l) => process.stderr.write(`nightshift sandbox: ${l}\n`),
      onOutput: (c) => process.stderr.write(c),
    });
    if (setup.status === 'failed') {
      process.stderr.write(`nightshift sandbox: dependency setup failed: ${setup.error}\n`);
      return 1;
    }
    if (setup.status === 'none') process.stderr.write(`nightshift sandbox: ${setup.log.trim()}\n`);
    else process.stderr.write(`nightshift sandbox: dependencies ${setup.cached ? 'from the cache' : 'installed'} (key ${setup.cacheKey})\n`);
    sandbox = await createDepsSandbox({ driver, workspaceDir, memoryMb, timeoutS, network: false, env, dataDir: dataDir(), entry: setup.entry ?? null });
  } else {
    sandbox = await createSandbox({ driver, workspaceDir, memoryMb, timeoutS, network: false, env });
  }
  if (!sandbox.isolated) process.stderr.write('nightshift sandbox: WARNING driver "none" runs the command on the host without isolation\n');

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await sandbox.start();
  try {
    const result = await sandbox.exec(cmd, {
      onStdout: (c) => process.stdout.write(c),
      onStderr: (c) => process.stderr.write(c),
      signal: abort.signal,
    });
    if (result.timedOut) process.stderr.write(`nightshift sandbox: timed out after ${timeoutS} s; killed every process (exit 124)\n`);
    else if (result.oom) process.stderr.write(`nightshift sandbox: out of memory (limit ${memoryMb} MiB); killed (exit 137)\n`);
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sandbox.stop();
  }
}
