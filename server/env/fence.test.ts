/**
 * The setup sandbox's network: only the egress proxy, which reaches only allow-listed registries.
 * Each driver (bubblewrap; docker/podman where a socket answers) is checked for: an allowed host
 * answers through the proxy, a host not on the list is refused and named in the log, a direct
 * connection (ignoring the proxy variables) reaches nothing, and a task sandbox (no egress) has
 * no way out at all.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { dockerClient, findEngine } from '../../sandbox/detect';
import { DEFAULT_IMAGE } from '../../sandbox/docker-driver';
import { createSandbox, type Sandbox } from '../../sandbox/index';
import { startPlainServer, type StandIn } from '../../test/support/registries';
import { parseAllowList } from './allow-list';
import { formatEgressLog, startEgressProxy, type EgressProxy } from './egress-proxy';

/** A request over the proxy's unix socket, as the in-sandbox forwarder would send it. */
function viaSocket(socketPath: string, opts: { method: string; path: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: opts.method, path: opts.path, headers: opts.headers });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('egress proxy', () => {
  let registry: StandIn;
  let other: StandIn;
  let proxy: EgressProxy;
  beforeAll(async () => {
    registry = await startPlainServer('registry says hi');
    other = await startPlainServer('private data');
    proxy = await startEgressProxy({
      allow: parseAllowList([`127.0.0.1:${registry.port}`, 'metadata.test', 'localhost']),
      policyEnv: {},
      // metadata.test stands for a name an attacker points at the cloud metadata address.
      resolve: async (h) => (h === 'metadata.test' ? ['169.254.169.254'] : h === 'localhost' ? ['127.0.0.1'] : []),
    });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
    await other.close();
  });

  it('forwards plain HTTP and CONNECT to allowed hosts only, and logs every refusal by host', async () => {
    const ok = await viaSocket(proxy.socketPath, { method: 'GET', path: `http://127.0.0.1:${registry.port}/ms` });
    expect(ok).toEqual({ status: 200, body: 'registry says hi' });
    const refused = await viaSocket(proxy.socketPath, { method: 'GET', path: `http://127.0.0.1:${other.port}/secret` });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('not a package registry on the allow-list');
    expect(other.requests).toEqual([]);
    expect((await viaSocket(proxy.socketPath, { method: 'CONNECT', path: `127.0.0.1:${registry.port}` })).status).toBe(200);
    expect((await viaSocket(proxy.socketPath, { method: 'CONNECT', path: `127.0.0.1:${other.port}` })).status).toBe(403);
    expect((await viaSocket(proxy.socketPath, { method: 'CONNECT', path: 'example.com:443' })).status).toBe(403);
    const log = formatEgressLog(proxy.events).join('\n');
    expect(log).toContain(`REFUSED GET 127.0.0.1:${other.port}`);
    expect(log).toContain('REFUSED CONNECT example.com:443');
    expect(log).toContain(`allowed 127.0.0.1:${registry.port}`);
  });

  it('applies the outbound policy to allowed names: link-local always, loopback under public-only', async () => {
    const meta = await viaSocket(proxy.socketPath, { method: 'CONNECT', path: 'metadata.test:443' });
    expect(meta.status).toBe(403);
    expect(proxy.events.at(-1)?.reason).toMatch(/169\.254\.169\.254, a link-local address/);
    const strict = await startEgressProxy({ allow: parseAllowList([`127.0.0.1:${registry.port}`]), policyEnv: { NIGHTSHIFT_OUTBOUND_POLICY: 'public-only' } });
    try {
      const r = await viaSocket(strict.socketPath, { method: 'GET', path: `http://127.0.0.1:${registry.port}/` });
      expect(r.status).toBe(403);
      expect(r.body).toContain('loopback');
    } finally {
      await strict.close();
    }
  });

  it('answers only proxy requests', async () => {
    expect((await viaSocket(proxy.socketPath, { method: 'GET', path: '/relative' })).status).toBe(400);
  });
});

async function skipReason(driver: 'bwrap' | 'docker'): Promise<string | undefined> {
  if (driver === 'bwrap') {
    if (!bwrapAvailable()) return 'bubblewrap is not installed';
    const cg = detectCgroups();
    return cg.version === 0 ? `no usable cgroups: ${cg.reason}` : undefined;
  }
  const endpoint = await findEngine();
  if (!endpoint) return 'no Docker/Podman socket answers';
  try {
    await (dockerClient(endpoint) as Docker).getImage(DEFAULT_IMAGE).inspect();
  } catch {
    return `image ${DEFAULT_IMAGE} is missing`;
  }
  return undefined;
}

for (const driver of ['bwrap', 'docker'] as const) {
  const reason = await skipReason(driver);
  if (reason) console.warn(`[fence tests] skipping the ${driver} driver: ${reason}`);

  describe.skipIf(Boolean(reason))(`fenced setup sandbox (${driver})`, () => {
    let registry: StandIn;
    let other: StandIn;
    let proxy: EgressProxy;
    let ws: string;
    let setupSb: Sandbox;
    let taskSb: Sandbox;
    beforeAll(async () => {
      registry = await startPlainServer('registry says hi');
      other = await startPlainServer('private data');
      proxy = await startEgressProxy({ allow: parseAllowList([`127.0.0.1:${registry.port}`]), policyEnv: {} });
      ws = mkdtempSync(join(tmpdir(), `ns-fence-${driver}-`));
      setupSb = await createSandbox({ driver, workspaceDir: ws, egress: { socketPath: proxy.socketPath }, timeoutS: 30 });
      taskSb = await createSandbox({ driver, workspaceDir: ws, timeoutS: 30 });
      await setupSb.start();
      await taskSb.start();
    });
    afterAll(async () => {
      await setupSb?.stop();
      await taskSb?.stop();
      await proxy?.close();
      await registry?.close();
      await other?.close();
      rmSync(ws, { recursive: true, force: true });
    });

    it('reaches the allowed registry through the proxy and nothing else', async () => {
      const r = await setupSb.exec(['sh', '-c', `curl -sS http://127.0.0.1:${registry.port}/pkg; echo; curl -sS http://127.0.0.1:${other.port}/secret`]);
      expect(r.stdout).toContain('registry says hi');
      expect(r.stdout).toContain(`nightshift egress: refused 127.0.0.1:${other.port}`);
      expect(r.stdout).not.toContain('private data');
      expect(other.requests).toEqual([]);
      expect(formatEgressLog(proxy.events).join('\n')).toContain(`REFUSED GET 127.0.0.1:${other.port}`);
    });

    it('cannot bypass the proxy: a direct connection reaches nothing', async () => {
      const before = registry.requests.length;
      // Node ignores HTTP(S)_PROXY for raw sockets: this is a program that does not cooperate.
      const probe =
        `const s=require('net').connect(${registry.port},'127.0.0.1');` +
        `s.on('connect',()=>{console.log('CONNECTED');process.exit(0)});s.on('error',e=>{console.log('BLOCKED '+e.code);process.exit(1)});`;
      const direct = await setupSb.exec(['node', '-e', probe]);
      expect(direct.stdout).toMatch(/BLOCKED (ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)/);
      const curl = await setupSb.exec(['sh', '-c', `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${registry.port}/direct; echo rc=$?`]);
      expect(curl.stdout).toMatch(/rc=(7|28)/);
      // Names do not resolve inside: no resolver, no network device besides loopback.
      const dns = await setupSb.exec(['node', '-e', `require('dns').lookup('registry.npmjs.org',(e,a)=>{console.log(e?'NODNS '+e.code:'RESOLVED '+a)})`]);
      expect(dns.stdout).toMatch(/NODNS/);
      expect(registry.requests.length).toBe(before);
    });

    it('a task sandbox (no egress) reaches neither the registry nor the proxy', async () => {
      const r = await taskSb.exec(['sh', '-c', `curl -sS --max-time 5 http://127.0.0.1:${registry.port}/pkg; echo rc=$?; ls /run/nightshift-egress 2>&1; echo ls=$?`]);
      expect(r.stdout).toMatch(/rc=(7|28)/);
      expect(r.stdout).toMatch(/ls=[12]/);
      expect(r.stdout).not.toContain('registry says hi');
    });
  });
}
