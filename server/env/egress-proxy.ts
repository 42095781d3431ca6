/**
 * The setup phase's only way out: an HTTP proxy (CONNECT for HTTPS, absolute-form requests for
 * plain HTTP) that Nightshift runs in-process on a unix socket. The setup sandbox has no network
 * device; its forwarder hands each connection to this socket. Only registries on the allow-list
 * are reached, each name is resolved here and every address checked against the server's
 * outbound policy (server/net/outbound.ts), and the connection goes to an address that was
 * checked. Everything else is refused with 403 and logged by host.
 *
 * Limits (server/env/limits.ts): every byte through the proxy — plain HTTP bodies and CONNECT
 * tunnels, both directions — counts against one budget; the byte that goes over it cuts every
 * open connection, and each later request is refused. Connections beyond `maxConnections` at
 * once are dropped as they arrive.
 *
 *   const proxy = await startEgressProxy({ allow: effectiveAllowList() });
 *   const sb = await createSandbox({ workspaceDir, egress: { socketPath: proxy.socketPath } });
 *   …; await proxy.close(); proxy.events // what was allowed and refused
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import dns from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { EGRESS_FORWARDER_NAME, EGRESS_SOCKET_NAME } from '../../sandbox/types';
import { blockedRange, outboundPolicy, type Resolver } from '../net/outbound';
import { describeRule, isAllowed, type AllowRule } from './allow-list';
import { FORWARDER_SOURCE } from './forwarder-source';
import { formatBytes } from './limits';

export type EgressEvent = {
  at: string;
  method: string;
  host: string;
  port: number;
  allowed: boolean;
  /** Why a request was refused or failed. */
  reason?: string;
  /** Set when a limit (not the allow-list) refused or cut it. */
  limit?: 'bytes' | 'connections';
};

export type EgressUsage = {
  /** Bytes moved so far (request and response bodies, tunnelled bytes both ways). */
  bytes: number;
  /** True once `bytes` went over the budget: connections were cut, later ones refused. */
  budgetExceeded: boolean;
  /** Connections dropped because `maxConnections` were open. */
  droppedConnections: number;
};

export type EgressProxy = {
  /** Directory holding the socket and the forwarder (mounted into the sandbox). */
  dir: string;
  socketPath: string;
  events: EgressEvent[];
  usage(): EgressUsage;
  close(): Promise<void>;
};

/** Connections kept idle longer than this are closed (a stuck download does not pin the proxy). */
const IDLE_TIMEOUT_MS = 120_000;
/** The log keeps this many events; a setup making more is summarised by the count. */
const MAX_EVENTS = 5_000;

const systemResolver: Resolver = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own are not forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

class Refused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function startEgressProxy(opts: {
  allow: readonly AllowRule[];
  /** Environment read for NIGHTSHIFT_OUTBOUND_POLICY / _ALLOW (default: the process's). */
  policyEnv?: Record<string, string | undefined>;
  resolve?: Resolver;
  onEvent?: (e: EgressEvent) => void;
  /** Byte budget (both directions, every connection); unset or null: none. */
  maxBytes?: number | null;
  /** Connections open at once; unset or null: no cap. */
  maxConnections?: number | null;
  /** Called once, when the byte budget is exceeded (after every connection was cut). */
  onBudgetExceeded?: () => void;
}): Promise<EgressProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-egress-'));
  // The sandbox user (uid 1000 in a container) must reach the socket and read the forwarder.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, EGRESS_FORWARDER_NAME), FORWARDER_SOURCE, { mode: 0o444 });
  const socketPath = join(dir, EGRESS_SOCKET_NAME);
  const { policy, allow: policyAllow } = outboundPolicy(opts.policyEnv ?? process.env);
  const resolve = opts.resolve ?? systemResolver;
  const events: EgressEvent[] = [];
  const sockets = new Set<Duplex>();
  const allowText = opts.allow.map(describeRule).join(', ') || '(none)';
  const maxBytes = opts.maxBytes ?? null;
  let bytes = 0;
  let budgetExceeded = false;
  let droppedConnections = 0;
  const budgetText = maxBytes === null ? '' : `the setup's download budget of ${formatBytes(maxBytes)} is used up`;

  const record = (e: Omit<EgressEvent, 'at'>) => {
    const ev = { at: new Date().toISOString(), ...e };
    if (events.length < MAX_EVENTS) events.push(ev);
    opts.onEvent?.(ev);
  };

  /** The checked address to connect to, or a refusal naming the host. */
  async function target(host: string, port: number): Promise<string> {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    if (!isAllowed(opts.allow, h, port)) {
      throw new Refused(403, `${h}:${port} is not a package registry on the allow-list (${allowText})`);
    }
    let addresses: string[];
    try {
      addresses = net.isIP(h) ? [h] : await resolve(h);
    } catch (err) {
      throw new Refused(502, `${h} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (addresses.length === 0) throw new Refused(502, `${h} does not resolve`);
    if (!policyAllow.has(h)) {
      for (const a of addresses) {
        const range = blockedRange(a, policy);
        if (range) throw new Refused(403, `${h} resolves to ${a}, a ${range} address the outbound policy refuses (NIGHTSHIFT_OUTBOUND_POLICY)`);
      }
    }
    return addresses[0];
  }

  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  /**
   * Counts `n` bytes of the connection to `host:port`. The chunk that goes over the budget is not
   * passed on: every open connection (client and upstream sides) is destroyed before it could be.
   * Listeners calling this are added before the stream is piped, so they run first.
   */
  const count = (n: number, method: string, host: string, port: number) => {
    if (budgetExceeded) return;
    bytes += n;
    if (maxBytes === null || bytes <= maxBytes) return;
    budgetExceeded = true;
    record({ method, host, port, allowed: true, limit: 'bytes', reason: `${budgetText} (${bytes} bytes moved): every connection cut, later ones refused` });
    for (const s of sockets) s.destroy();
    opts.onBudgetExceeded?.();
  };

  const server = http.createServer();
  if (opts.maxConnections) server.maxConnections = opts.maxConnections;
  server.on('drop', () => {
    droppedConnections++;
    // One line says it; the count is in usage().
    if (droppedConnections === 1) {
      record({ method: 'connection', host: '(any)', port: 0, allowed: false, limit: 'connections', reason: `more than ${opts.maxConnections} connections open at once: further connections dropped` });
    }
  });
  server.on('connection', (s: net.Socket) => {
    track(s);
    s.setTimeout(IDLE_TIMEOUT_MS, () => s.destroy());
  });

  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      record({ method: 'CONNECT', host: req.url ?? '', port: 0, allowed: false, reason: 'malformed CONNECT target' });
      return;
    }
    const host = m[1].replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    (budgetExceeded ? Promise.reject(new Refused(403, budgetText)) : target(host, port))
      .then((address) => {
        if (budgetExceeded) throw new Refused(403, budgetText);
        const upstream = net.connect({ host: address, port });
        track(upstream);
        upstream.setTimeout(IDLE_TIMEOUT_MS, () => upstream.destroy());
        upstream.once('connect', () => {
          record({ method: 'CONNECT', host, port, allowed: true });
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.on('data', (c: Buffer) => count(c.length, 'CONNECT', host, port));
          client.on('data', (c: Buffer) => count(c.length, 'CONNECT', host, port));
          if (head.length) {
            count(head.length, 'CONNECT', host, port);
            if (!budgetExceeded) upstream.write(head);
          }
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.once('error', (err) => {
          record({ method: 'CONNECT', host, port, allowed: true, reason: `upstream failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
          if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
        });
        client.once('close', () => upstream.destroy());
      })
      .catch((err: Error) => {
        const status = err instanceof Refused ? err.status : 502;
        record({ method: 'CONNECT', host, port, allowed: false, reason: err.message, ...(budgetExceeded && err.message === budgetText ? { limit: 'bytes' as const } : {}) });
        const body = `nightshift egress: refused ${host}:${port}: ${err.message}\n`;
        client.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      });
  });

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('nightshift egress: only proxy requests (absolute URLs) are served here\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('nightshift egress: use CONNECT for https\n');
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 80);
    const method = req.method ?? 'GET';
    res.on('error', () => undefined);
    (budgetExceeded ? Promise.reject(new Refused(403, budgetText)) : target(host, port))
      .then((address) => {
        if (budgetExceeded) throw new Refused(403, budgetText);
        const headers: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = v;
        headers.host = url.host;
        const up = http.request({ host: address, port, method, path: `${url.pathname}${url.search}`, headers, timeout: IDLE_TIMEOUT_MS }, (upRes) => {
          record({ method, host, port, allowed: true });
          const out: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
          res.writeHead(upRes.statusCode ?? 502, out);
          upRes.on('data', (c: Buffer) => count(c.length, method, host, port));
          upRes.pipe(res);
        });
        // Pooled upstream sockets are reused: track each once, so a cut reaches them too.
        up.on('socket', (s) => {
          if (!sockets.has(s)) track(s);
        });
        up.on('timeout', () => up.destroy(new Error('timed out')));
        up.on('error', (err) => {
          if (budgetExceeded) return;
          record({ method, host, port, allowed: true, reason: `upstream failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`nightshift egress: ${host}:${port} failed\n`);
        });
        req.on('data', (c: Buffer) => count(c.length, method, host, port));
        req.pipe(up);
      })
      .catch((err: Error) => {
        const status = err instanceof Refused ? err.status : 502;
        record({ method, host, port, allowed: false, reason: err.message, ...(budgetExceeded && err.message === budgetText ? { limit: 'bytes' as const } : {}) });
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`nightshift egress: refused ${host}:${port}: ${err.message}\n`);
      });
  });
  server.on('clientError', (_err, s) => s.destroy());

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolveListen());
  });
  chmodSync(socketPath, 0o666);

  let closed = false;
  return {
    dir,
    socketPath,
    events,
    usage: () => ({ bytes, budgetExceeded, droppedConnections }),
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The egress part of a setup log: every refusal on its own line (host named), allowed hosts
 * counted once each.
 */
export function formatEgressLog(events: readonly EgressEvent[]): string[] {
  const allowed = new Map<string, number>();
  const lines: string[] = [];
  let refusedOverBudget = 0;
  for (const e of events) {
    if (e.limit === 'bytes' && !e.allowed) refusedOverBudget++;
    else if (e.limit) lines.push(`[egress] LIMIT: ${e.reason}`);
    else if (e.allowed && !e.reason) allowed.set(`${e.host}:${e.port}`, (allowed.get(`${e.host}:${e.port}`) ?? 0) + 1);
    else if (e.allowed) lines.push(`[egress] ${e.method} ${e.host}:${e.port} allowed, but ${e.reason}`);
    else lines.push(`[egress] REFUSED ${e.method} ${e.host}:${e.port}: ${e.reason}`);
  }
  if (refusedOverBudget) lines.push(`[egress] ${refusedOverBudget} later request${refusedOverBudget === 1 ? '' : 's'} refused: the download budget was used up`);
  for (const [hp, n] of allowed) lines.unshift(`[egress] allowed ${hp} (${n} connection${n === 1 ? '' : 's'})`);
  return lines;
}
