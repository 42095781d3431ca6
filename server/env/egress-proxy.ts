/**
 * The setup phase's only way out: an HTTP proxy (CONNECT for HTTPS, absolute-form requests for
 * plain HTTP) that Nightshift runs in-process on a unix socket. The setup sandbox has no network
 * device; its forwarder hands each connection to this socket. Only registries on the allow-list
 * are reached, each name is resolved here and every address checked against the server's
 * outbound policy (server/net/outbound.ts), and the connection goes to an address that was
 * checked. Everything else is refused with 403 and logged by host.
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

export type EgressEvent = {
  at: string;
  method: string;
  host: string;
  port: number;
  allowed: boolean;
  /** Why a request was refused or failed. */
  reason?: string;
};

export type EgressProxy = {
  /** Directory holding the socket and the forwarder (mounted into the sandbox). */
  dir: string;
  socketPath: string;
  events: EgressEvent[];
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

  const server = http.createServer();
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
    target(host, port)
      .then((address) => {
        const upstream = net.connect({ host: address, port });
        track(upstream);
        upstream.setTimeout(IDLE_TIMEOUT_MS, () => upstream.destroy());
        upstream.once('connect', () => {
          record({ method: 'CONNECT', host, port, allowed: true });
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) upstream.write(head);
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
        record({ method: 'CONNECT', host, port, allowed: false, reason: err.message });
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
    target(host, port)
      .then((address) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = v;
        headers.host = url.host;
        const up = http.request({ host: address, port, method, path: `${url.pathname}${url.search}`, headers, timeout: IDLE_TIMEOUT_MS }, (upRes) => {
          record({ method, host, port, allowed: true });
          const out: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
          res.writeHead(upRes.statusCode ?? 502, out);
          upRes.pipe(res);
        });
        up.on('timeout', () => up.destroy(new Error('timed out')));
        up.on('error', (err) => {
          record({ method, host, port, allowed: true, reason: `upstream failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`nightshift egress: ${host}:${port} failed\n`);
        });
        req.pipe(up);
      })
      .catch((err: Error) => {
        const status = err instanceof Refused ? err.status : 502;
        record({ method, host, port, allowed: false, reason: err.message });
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
  for (const e of events) {
    if (e.allowed && !e.reason) allowed.set(`${e.host}:${e.port}`, (allowed.get(`${e.host}:${e.port}`) ?? 0) + 1);
    else if (e.allowed) lines.push(`[egress] ${e.method} ${e.host}:${e.port} allowed, but ${e.reason}`);
    else lines.push(`[egress] REFUSED ${e.method} ${e.host}:${e.port}: ${e.reason}`);
  }
  for (const [hp, n] of allowed) lines.unshift(`[egress] allowed ${hp} (${n} connection${n === 1 ? '' : 's'})`);
  return lines;
}
