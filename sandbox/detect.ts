/**
 * Finding a container engine: DOCKER_HOST first, then the usual Docker and Podman sockets.
 * A socket only counts when it answers `/_ping`, because stale socket files are common.
 */
import { existsSync } from 'node:fs';
import Docker from 'dockerode';

/** How long a silent socket may take before we call it dead. */
export const PING_TIMEOUT_MS = 1500;

export type EngineEndpoint = { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };

export function candidateEndpoints(env: Record<string, string | undefined> = process.env): EngineEndpoint[] {
  const out: EngineEndpoint[] = [];
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) out.push({ socketPath: dockerHost.slice('unix://'.length) });
    else if (dockerHost.startsWith('tcp://')) {
      const url = new URL(dockerHost.replace(/^tcp:/, env.DOCKER_TLS_VERIFY ? 'https:' : 'http:'));
      out.push({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
    } else if (dockerHost.startsWith('/')) out.push({ socketPath: dockerHost });
    // An explicit DOCKER_HOST is the operator's choice: do not silently use another engine.
    return out;
  }
  const sockets = ['/var/run/docker.sock', '/run/podman/podman.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(`${env.XDG_RUNTIME_DIR}/podman/podman.sock`, `${env.XDG_RUNTIME_DIR}/docker.sock`);
  for (const s of sockets) if (existsSync(s)) out.push({ socketPath: s });
  return out;
}

export function dockerClient(endpoint: EngineEndpoint, timeoutMs?: number): Docker {
  return new Docker({ ...endpoint, ...(timeoutMs ? { timeout: timeoutMs } : {}) });
}

/** The first endpoint that answers a ping, or undefined. */
export async function findEngine(env: Record<string, string | undefined> = process.env): Promise<EngineEndpoint | undefined> {
  for (const endpoint of candidateEndpoints(env)) {
    try {
      await dockerClient(endpoint, PING_TIMEOUT_MS).ping();
      return endpoint;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}
