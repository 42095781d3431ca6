/**
 * One entry point for running agent commands in isolation.
 *
 *   const sb = await createSandbox({ driver: 'auto', workspaceDir: '/data/worktrees/t1' });
 *   await sb.start();
 *   const r = await sb.exec(['npm', 'test'], { onStdout: (c) => emit(c) });
 *   await sb.stop();
 *
 * `auto` prefers a container engine whose socket answers, then bubblewrap; with neither it
 * refuses (SandboxUnavailableError). `none` is never chosen automatically.
 */
import { bwrapAvailable, BwrapSandbox } from './bwrap-driver';
import { detectCgroups } from './cgroups';
import { findEngine } from './detect';
import { DockerSandbox } from './docker-driver';
import { NoneSandbox } from './none-driver';
import { parseDriver } from './driver-name';
import { SandboxUnavailableError, type Sandbox, type SandboxDriverName, type SandboxOptions } from './types';

export * from './types';
export { buildSandboxEnv } from './env';

/** Parse SANDBOX_DRIVER (or a CLI flag) into a driver name, with a message for bad values. */
export { parseDriver };

function bwrapUsable(): string | undefined {
  if (!bwrapAvailable()) return 'bubblewrap is not installed';
  const cg = detectCgroups();
  if (cg.version === 0) return `bubblewrap cannot enforce limits: ${cg.reason}`;
  return undefined;
}

/** The driver `createSandbox` would use for this choice (what `auto` resolves to on this host). */
export async function resolveDriver(driver: SandboxDriverName, socketPath?: string): Promise<Exclude<SandboxDriverName, 'auto'>> {
  if (driver !== 'auto') return driver;
  if (socketPath || (await findEngine())) return 'docker';
  return 'bwrap';
}

/** Build (but do not start) a sandbox for a workspace. */
export async function createSandbox(opts: SandboxOptions): Promise<Sandbox> {
  if (opts.network !== undefined && opts.network !== false) {
    throw new SandboxUnavailableError('sandboxes have no network; network: true is not supported');
  }
  const driver = opts.driver ?? parseDriver(process.env.SANDBOX_DRIVER);
  switch (driver) {
    case 'none':
      return new NoneSandbox(opts);
    case 'bwrap': {
      const why = bwrapUsable();
      if (why) throw new SandboxUnavailableError(why);
      return new BwrapSandbox(opts);
    }
    case 'docker': {
      const endpoint = opts.socketPath ? { socketPath: opts.socketPath } : await findEngine();
      if (!endpoint) throw new SandboxUnavailableError('no Docker or Podman socket answers; set DOCKER_HOST or run sandbox/setup-podman.sh');
      return new DockerSandbox(opts, endpoint);
    }
    case 'auto': {
      const endpoint = opts.socketPath ? { socketPath: opts.socketPath } : await findEngine();
      if (endpoint) return new DockerSandbox(opts, endpoint);
      const why = bwrapUsable();
      if (!why) return new BwrapSandbox(opts);
      throw new SandboxUnavailableError(
        `no sandbox available: no Docker/Podman socket answers and ${why}. ` +
          'Install Docker or Podman (see sandbox/setup-podman.sh) or bubblewrap; ' +
          'SANDBOX_DRIVER=none runs commands unisolated and must be chosen explicitly.',
      );
    }
  }
}
