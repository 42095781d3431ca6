import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { DatabaseRuntime } from '../boot';
import type { WorkerRuntime } from '../../jobs/runtime';
import { appRouter } from '../api/router';
import { createContext } from '../api/context';
import { allowedOriginsFor, attachRealtime } from '../realtime/io';
import { serveHealth, serveMetrics } from './ops-routes';
import { StartupError } from '../data-dir';
import { serveMonaco } from './monaco-assets';
import { handleWebhook } from './webhooks';
import { handleMcp } from '../mcp/http';
import { createFollowUpRun } from '../services/follow-ups';
import { handleScreenshot } from './screenshots';
import { dataDir, publicUrl } from '../config';
import { handleAuth } from './auth';
import { batchRefusal, MAX_BATCH_SIZE } from '../api/batching';
import { applySecurityHeaders } from './security-headers';
import { trustedProxies } from './client-address';
import { throttleBudgets } from '../services/auth-throttle';
import { routeTemplate } from './route-template';
import { getLogger, withLogContext } from '../observability/logger';
import { observeHttpRequest, setMetricsSources } from '../observability/metrics';

export const TRPC_MAX_BODY_BYTES = 1024 * 1024;

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export type ApiDeps = { rt: DatabaseRuntime; jobs: WorkerRuntime | null; log: (msg: string) => void };

/**
 * The routes this server answers itself (health, tRPC). Returns false for anything else, which
 * then goes to Next.js. Kept apart from Next so tests can serve the API alone.
 */
export async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, deps: ApiDeps): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/api/health') && (await serveHealth(res, url.pathname, deps))) return true;
  if (url.pathname === '/api/metrics') {
    await serveMetrics(req, res, { requireToken: true });
    return true;
  }
  if (serveMonaco(req, res, url.pathname)) return true;
  if (url.pathname.startsWith('/api/mcp') && (await handleMcp(req, res, { db: deps.rt.db, log: deps.log }))) return true;
  if (url.pathname.startsWith('/api/webhooks/') && (await handleWebhook(req, res, { db: deps.rt.db, log: deps.log, onFollowUp: (r) => createFollowUpRun(deps.rt.db, r).then(() => undefined) }))) return true;
  if (url.pathname.startsWith('/api/pulls/') && (await handleScreenshot(req, res, { db: deps.rt.db, dataDir: dataDir() }))) return true;
  if (await handleAuth(req, res)) return true;
  if (url.pathname.startsWith('/api/trpc/')) {
    const trpcPath = url.pathname.slice('/api/trpc/'.length);
    const refusal = batchRefusal(decodeURIComponent(trpcPath), url.searchParams.get('batch') === '1');
    if (refusal) {
      // Refused before the body is read: close the connection rather than leave it unread on a keep-alive socket.
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
      res.end(JSON.stringify({ error: { json: { message: refusal, code: -32600, data: { code: 'BAD_REQUEST', httpStatus: 400 } } } }));
      return true;
    }
    await nodeHTTPRequestHandler({
      req,
      res,
      router: appRouter,
      path: trpcPath,
      maxBodySize: TRPC_MAX_BODY_BYTES,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: () => createContext(req, { boss: deps.jobs?.boss ?? null }),
      onError: ({ error, path: p }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') deps.log(`tRPC ${p}: ${error.message}`);
      },
    });
    return true;
  }
  return false;
}

/**
 * The request listener of the web server: security headers on every response, then the routes
 * this server answers itself (handleApi), then `fallback` (Next.js in production; tests pass a
 * 404 so they can drive the same handling without a Next build).
 */
export function createRequestListener(
  deps: ApiDeps & { dev?: boolean },
  fallback: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown> | unknown,
): http.RequestListener {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reqId = requestIdOf(req);
    res.setHeader('x-request-id', reqId);
    observeRequest(req, res, url.pathname, reqId);
    applySecurityHeaders(res, { dev: deps.dev });
    await withLogContext({ reqId }, async () => {
      try {
        if (await handleApi(req, res, deps)) return;
        await fallback(req, res);
      } catch (err) {
        deps.log(`request ${req.method} ${routeTemplate(url.pathname, knownProcedures())} failed: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.end();
      }
    });
  };
}

/** A caller's X-Request-Id when it is a plain token (a proxy's), else a fresh one: echoed and logged. */
function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given)) return given;
  return crypto.randomUUID();
}

let procedures: Set<string> | null = null;
function knownProcedures(): Set<string> {
  procedures ??= new Set(Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures));
  return procedures;
}

/**
 * The access log line (and, from the metrics module, the request's duration) once the response is
 * done: method, route template (never the raw path: ids, tokens and inputs stay out), status,
 * duration. Probes (health, metrics) log at debug so they do not drown the rest.
 */
function observeRequest(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, reqId: string): void {
  const started = process.hrtime.bigint();
  let done = false;
  const end = (aborted: boolean) => {
    if (done) return;
    done = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeTemplate(pathname, knownProcedures());
    const status = aborted && !res.writableFinished ? 499 : res.statusCode;
    const probe = route.startsWith('/api/health') || route === '/api/metrics' || route === '/metrics';
    const line = { reqId, method: req.method, route, status, durationMs: Math.round(seconds * 1000 * 10) / 10 };
    observeHttpRequest(route, status, seconds);
    const log = getLogger({ component: 'http' });
    if (probe) log.debug(line, 'request');
    else log.info(line, 'request');
  };
  res.once('finish', () => end(false));
  res.once('close', () => end(true));
}

/**
 * One HTTP server for everything: /api/health, /api/auth and /api/trpc are answered here; the
 * rest (pages) goes to Next.js; Socket.IO shares the server for live events.
 */
export async function startHttpServer(opts: {
  rt: DatabaseRuntime;
  jobs: WorkerRuntime | null;
  port: number;
  hostname?: string;
  dev: boolean;
  projectDir: string;
  log: (msg: string) => void;
  /** false: serve the API, Socket.IO and health only (no Next.js, no build needed); pages answer 404. */
  pages?: boolean;
}) {
  try {
    trustedProxies(process.env.NIGHTSHIFT_TRUSTED_PROXIES);
    throttleBudgets(process.env);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  let app: { close?: () => Promise<void> } | null = null;
  let fallback: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown> | unknown = (_req, res) => {
    json(res, 404, { error: 'not found (this process serves the API only)' });
  };
  if (opts.pages !== false) {
    const { default: next } = await import('next');
    const nextApp = next({ dev: opts.dev, dir: opts.projectDir, hostname: opts.hostname ?? 'localhost', port: opts.port });
    fallback = nextApp.getRequestHandler();
    await nextApp.prepare();
    app = nextApp as unknown as { close?: () => Promise<void> };
  }

  const server = http.createServer(createRequestListener(opts, fallback));

  // Browsers connect from the public URL only (known once listening, for PORT=0).
  let boundPort = opts.port;
  const io = attachRealtime(server, opts.rt.db, opts.rt.pool, { allowedOrigins: () => allowedOriginsFor(publicUrl(boundPort)) });
  setMetricsSources({ socketConnections: () => io.engine.clientsCount });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new StartupError(`Port ${opts.port} is already in use. Stop what uses it or start with PORT=<another port>.`));
      else if (err.code === 'EACCES') reject(new StartupError(`Not allowed to listen on port ${opts.port}. Use a port above 1024 (PORT=3000).`));
      else reject(err);
    });
    server.listen(opts.port, opts.hostname ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  boundPort = port;

  return {
    server,
    port,
    async close() {
      io.close();
      await new Promise<void>((r) => server.close(() => r()));
      await app?.close?.();
    },
  };
}

export function projectRoot(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
}
