/**
 * A long-lived sandboxed process whose stdin/stdout the caller owns (a stdio MCP server, say).
 * `Sandbox.exec` runs a command to completion and only streams its output, so this builds the
 * spawn line instead: the same bubblewrap argv and cgroup limits as `BwrapSandbox.exec` (no
 * network, no host environment, toolchain read-only, only the workspace writable), without the
 * wall-clock limit. The caller spawns it (e.g. the MCP SDK's StdioClientTransport) and calls
 * `dispose()` when done, which kills everything left in the cgroup.
 *
 *   const p = await prepareSandboxedSpawn(['node', 'server.mjs'], { workspaceDir: dir });
 *   const child = spawn(p.command, p.args, { env: p.env, cwd: p.cwd });
 *   …; await p.dispose();
 *
 * The docker driver is not supported here yet: it would need an attached `docker exec`.
 */
import { randomBytes } from 'node:crypto';
import { BWRAP_PATH, BWRAP_WORKDIR, BwrapSandbox, bwrapAvailable } from './bwrap-driver';
import { cgroupName, createCgroup, detectCgroups, type CgroupHandle } from './cgroups';
import { buildSandboxEnv } from './env';
import { parseDriver } from './index';
import { SandboxUnavailableError, type SandboxOptions } from './types';

export type SandboxedSpawn = {
  /** Which driver isolates the process (`none` only when chosen explicitly). */
  driver: 'bwrap' | 'none';
  command: string;
  args: string[];
  /** The whole environment of the spawned process (never the host's). */
  env: Record<string, string>;
  cwd?: string;
  /** Kill every process of the sandbox and release its resources; safe to call twice. */
  dispose(): Promise<void>;
};

/**
 * The driver's prepared state, read rather than rebuilt so both paths always share one argv.
 * These are private fields of BwrapSandbox; `readInternals` fails loudly if they move.
 */
type BwrapInternals = { baseArgs: string[]; memoryBytes: number; pidsMax: number };

function readInternals(sb: BwrapSandbox): BwrapInternals {
  const i = sb as unknown as Partial<BwrapInternals>;
  if (!Array.isArray(i.baseArgs) || i.baseArgs.length === 0 || typeof i.memoryBytes !== 'number' || typeof i.pidsMax !== 'number') {
    throw new Error('sandbox/spawn: BwrapSandbox no longer exposes its prepared arguments; update sandbox/spawn.ts');
  }
  return i as BwrapInternals;
}

/** The home directory the driver gives commands (the argument after `--dir`). */
function homeDir(baseArgs: string[]): string {
  const i = baseArgs.indexOf('--dir');
  return i >= 0 && baseArgs[i + 1] ? baseArgs[i + 1]! : '/tmp';
}

/** Same wrapper as the driver: join the cgroups before exec'ing bwrap, so nothing runs outside the limits. */
const JOIN_CGROUPS = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

async function bwrapSpawn(cmd: string[], opts: SandboxOptions, env: Record<string, string>): Promise<SandboxedSpawn> {
  const sb = new BwrapSandbox(opts);
  await sb.start();
  let cgroup: CgroupHandle | undefined;
  try {
    const internals = readInternals(sb);
    cgroup = createCgroup(cgroupName(randomBytes(4).toString('hex')), { memoryBytes: internals.memoryBytes, pidsMax: internals.pidsMax });
    const full = buildSandboxEnv(homeDir(internals.baseArgs), opts.env, env);
    const envArgs = Object.entries(full).flatMap(([k, v]) => ['--setenv', k, v]);
    const group = cgroup;
    let disposed = false;
    return {
      driver: 'bwrap',
      command: '/bin/sh',
      args: [
        '-c', JOIN_CGROUPS, 'sh', String(group.procsFiles.length), ...group.procsFiles,
        BWRAP_PATH, ...internals.baseArgs, ...envArgs, '--chdir', BWRAP_WORKDIR, '--', ...cmd,
      ],
      env: { PATH: '/usr/bin:/bin' },
      async dispose() {
        if (disposed) return;
        disposed = true;
        try {
          await group.destroy();
        } finally {
          await sb.stop();
        }
      },
    };
  } catch (err) {
    await cgroup?.destroy();
    await sb.stop();
    throw err;
  }
}

/**
 * Prepare a sandboxed long-lived process. `auto` means bubblewrap here (the only isolating
 * driver that can hand over stdio); `none` must be chosen explicitly, as for `createSandbox`.
 * `env` holds extra variables for this process only (e.g. a token the server needs).
 */
export async function prepareSandboxedSpawn(cmd: string[], opts: SandboxOptions, env: Record<string, string> = {}): Promise<SandboxedSpawn> {
  if (cmd.length === 0) throw new Error('empty command');
  if (opts.network !== undefined && opts.network !== false) throw new SandboxUnavailableError('sandboxes have no network; network: true is not supported');
  const driver = opts.driver ?? parseDriver(process.env.SANDBOX_DRIVER);
  if (driver === 'none') {
    return {
      driver: 'none',
      command: cmd[0]!,
      args: cmd.slice(1),
      env: buildSandboxEnv(process.env.HOME ?? '/tmp', opts.env, env),
      cwd: opts.workspaceDir,
      async dispose() {},
    };
  }
  if (driver === 'docker') throw new SandboxUnavailableError('long-lived sandboxed processes need bubblewrap; the docker driver cannot run them yet');
  if (!bwrapAvailable()) throw new SandboxUnavailableError('bubblewrap is not installed; long-lived sandboxed processes need it');
  const cg = detectCgroups();
  if (cg.version === 0) throw new SandboxUnavailableError(`bubblewrap cannot enforce limits: ${cg.reason}`);
  return bwrapSpawn(cmd, opts, env);
}
