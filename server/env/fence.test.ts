/**
 * The setup sandbox's network: only the egress proxy, which reaches only allow-listed registries.
 * Each driver (bubblewrap; docker/podman where a socket answers) is checked for: an allowed host
 * answers through the proxy, a host not on the list is refused and named in the log, a direct
 * connection (ignoring the proxy variables) reaches nothing, and a task sandbox (no egress) has
 * no way out at all.
 */
import http from 'node:http';
import net from 'node:net';
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
import { startBulkServer, startPlainServer, type StandIn } from '../../test/support/registries';
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

/** A download through the proxy: status, bytes received, and whether the body came whole. */
function download(socketPath: string, url: string, opts: { method?: string; upload?: number } = {}): Promise<{ status: number; bytes: number; complete: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: opts.method ?? 'GET', path: url, ...(opts.upload ? { headers: { 'content-length': String(opts.upload) } } : {}) });
    req.on('response', (res) => {
      let bytes = 0;
      let text = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (text.length < 1000) text += c.toString('latin1');
      });
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete, text }));
    });
    req.on('error', (err) => (opts.upload ? resolve({ status: 0, bytes: 0, complete: false, text: err.message }) : reject(err)));
    if (opts.upload) req.write(Buffer.alloc(opts.upload, 0x62));
    req.end();
  });
}

/** Opens a CONNECT tunnel through the proxy; resolves with the status and the tunnel's socket. */
function tunnel(socketPath: string, target: string): Promise<{ status: number; socket: net.Socket; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket, body: '' }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: res.socket as net.Socket, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Everything a socket receives until it closes. */
function drain(socket: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    socket.on('data', (c: Buffer) => (bytes += c.length));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(bytes));
  });
}

describe('egress proxy limits', () => {
  const KiB = 1024;
  const BIG = 64 * 1024 * KiB;
  let bulk: Awaited<ReturnType<typeof startBulkServer>>;
  const proxies: EgressProxy[] = [];
  const start = async (limits: { maxBytes?: number; maxConnections?: number }, onBudgetExceeded?: () => void) => {
    const p = await startEgressProxy({ allow: parseAllowList([`127.0.0.1:${bulk.port}`]), policyEnv: {}, ...limits, onBudgetExceeded });
    proxies.push(p);
    return p;
  };
  beforeAll(async () => {
    bulk = await startBulkServer();
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    await bulk?.close();
  });

  it('passes a download under the budget whole, and counts it', { timeout: 60_000 }, async () => {
    const proxy = await start({ maxBytes: 1024 * KiB });
    const r = await download(proxy.socketPath, `http://127.0.0.1:${bulk.port}/bytes/${512 * KiB}`);
    expect(r).toMatchObject({ status: 200, bytes: 512 * KiB, complete: true });
    expect(proxy.usage()).toEqual({ bytes: 512 * KiB, budgetExceeded: false, droppedConnections: 0 });
  });

  it('cuts a plain HTTP download that goes over the budget, then refuses every request', { timeout: 60_000 }, async () => {
    let calls = 0;
    const proxy = await start({ maxBytes: 256 * KiB }, () => calls++);
    const r = await download(proxy.socketPath, `http://127.0.0.1:${bulk.port}/bytes/${BIG}`);
    expect(r.status).toBe(200);
    expect(r.complete).toBe(false);
    // Nothing past the budget reaches the sandbox.
    expect(r.bytes).toBeLessThanOrEqual(256 * KiB);
    expect(proxy.usage().budgetExceeded).toBe(true);
    expect(calls).toBe(1);
    // The upstream connection was cut too: the server could not send the whole file.
    expect(bulk.sent()).toBeLessThan(BIG);
    const again = await download(proxy.socketPath, `http://127.0.0.1:${bulk.port}/bytes/10`);
    expect(again.status).toBe(403);
    expect(again.text).toContain("the setup's download budget of 256 KiB is used up");
    const t = await tunnel(proxy.socketPath, `127.0.0.1:${bulk.port}`);
    expect(t.status).toBe(403);
    const log = formatEgressLog(proxy.events).join('\n');
    expect(log).toContain("[egress] LIMIT: the setup's download budget of 256 KiB is used up");
    expect(log).toContain('2 later requests refused: the download budget was used up');
    expect(log).not.toContain('REFUSED');
  });

  it('counts an upload against the same budget', { timeout: 60_000 }, async () => {
    const proxy = await start({ maxBytes: 64 * KiB });
    const r = await download(proxy.socketPath, `http://127.0.0.1:${bulk.port}/sink`, { method: 'PUT', upload: 4096 * KiB });
    expect(r.text).not.toContain('received');
    expect(r.complete).toBe(false);
    expect(proxy.usage().budgetExceeded).toBe(true);
  });

  it('counts CONNECT tunnels both ways and cuts them over the budget', { timeout: 60_000 }, async () => {
    const proxy = await start({ maxBytes: 256 * KiB });
    const down = await tunnel(proxy.socketPath, `127.0.0.1:${bulk.port}`);
    expect(down.status).toBe(200);
    const received = drain(down.socket);
    down.socket.write(`GET /bytes/${BIG} HTTP/1.1\r\nHost: 127.0.0.1:${bulk.port}\r\nConnection: close\r\n\r\n`);
    expect(await received).toBeLessThanOrEqual(256 * KiB);
    expect(proxy.usage().budgetExceeded).toBe(true);
    expect((await tunnel(proxy.socketPath, `127.0.0.1:${bulk.port}`)).status).toBe(403);

    // Upstream: bytes the sandbox sends count as well.
    const upProxy = await start({ maxBytes: 64 * KiB });
    const up = await tunnel(upProxy.socketPath, `127.0.0.1:${bulk.port}`);
    expect(up.status).toBe(200);
    const closed = drain(up.socket);
    up.socket.write(`PUT /sink HTTP/1.1\r\nHost: 127.0.0.1:${bulk.port}\r\nContent-Length: ${1024 * KiB}\r\n\r\n`);
    up.socket.write(Buffer.alloc(1024 * KiB, 0x63));
    // The upstream never got the whole upload, so it never answered.
    expect(await closed).toBe(0);
    expect(upProxy.usage().budgetExceeded).toBe(true);
  });

  it('drops connections beyond the number allowed at once, and says so once', { timeout: 60_000 }, async () => {
    const proxy = await start({ maxConnections: 2 });
    const held = [await tunnel(proxy.socketPath, `127.0.0.1:${bulk.port}`), await tunnel(proxy.socketPath, `127.0.0.1:${bulk.port}`)];
    expect(held.map((t) => t.status)).toEqual([200, 200]);
    for (let i = 0; i < 2; i++) {
      const s = net.connect(proxy.socketPath);
      const got = drain(s);
      s.on('connect', () => s.write(`CONNECT 127.0.0.1:${bulk.port} HTTP/1.1\r\n\r\n`));
      expect(await got).toBe(0);
    }
    expect(proxy.usage().droppedConnections).toBe(2);
    expect(formatEgressLog(proxy.events).filter((l) => l.includes('LIMIT'))).toEqual(['[egress] LIMIT: more than 2 connections open at once: further connections dropped']);
    for (const t of held) t.socket.destroy();
  });
});

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
