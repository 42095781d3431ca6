import crypto from 'node:crypto';
import http from 'node:http';
import type { DatabaseRuntime } from '../boot';
import type { WorkerRuntime } from '../../jobs/runtime';
import { healthReport, livenessReport, readinessReport } from './health';
import { metricsExposition } from '../observability/metrics';
import { getLogger } from '../observability/logger';

/**
 * The operator's endpoints: health (full, readiness, liveness) and Prometheus metrics. Served by
 * the web server (metrics behind NIGHTSHIFT_METRICS_TOKEN) and by the metrics listener of any
 * process (NIGHTSHIFT_METRICS_PORT, no token: bind it to the pod network only).
 */

export type OpsDeps = { rt: DatabaseRuntime; jobs: WorkerRuntime | null; log: (msg: string) => void };

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Answers /api/health, /api/health/ready and /api/health/live; false for other paths. */
export async function serveHealth(res: http.ServerResponse, pathname: string, deps: OpsDeps): Promise<boolean> {
  if (pathname === '/api/health/live' || pathname === '/healthz') {
    send(res, 200, livenessReport());
    return true;
  }
  if (pathname === '/api/health/ready' || pathname === '/readyz') {
    const r = await readinessReport(deps.rt, deps.log);
    send(res, r.ready ? 200 : 503, r);
    return true;
  }
  if (pathname === '/api/health') {
    const report = await healthReport(deps.rt, deps.jobs, deps.log);
    send(res, report.ok ? 200 : 503, report);
    return true;
  }
  return false;
}

/** NIGHTSHIFT_METRICS_TOKEN, when set. */
export function metricsToken(env: NodeJS.ProcessEnv = process.env): string | null {
  const t = env.NIGHTSHIFT_METRICS_TOKEN?.trim();
  return t ? t : null;
}

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * The Prometheus exposition. `requireToken`: only for `Authorization: Bearer $NIGHTSHIFT_METRICS_TOKEN`
 * (401 otherwise, also when no token is configured — then scrape the metrics port instead).
 */
export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, opts: { requireToken: boolean }): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
    return;
  }
  if (opts.requireToken) {
    const expected = metricsToken();
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!expected || !given || !sameSecret(given, expected)) {
      send(
        res,
        401,
        { error: expected ? 'metrics need Authorization: Bearer <NIGHTSHIFT_METRICS_TOKEN>' : 'metrics are off on this port: set NIGHTSHIFT_METRICS_TOKEN, or scrape NIGHTSHIFT_METRICS_PORT' },
        { 'www-authenticate': 'Bearer realm="nightshift-metrics"' },
      );
      return;
    }
  }
  const { contentType, body } = await metricsExposition();
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** NIGHTSHIFT_METRICS_PORT (and NIGHTSHIFT_METRICS_HOST, default 0.0.0.0), or null when unset. */
export function metricsListenAddress(env: NodeJS.ProcessEnv = process.env): { port: number; host: string } | null {
  const raw = env.NIGHTSHIFT_METRICS_PORT?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`NIGHTSHIFT_METRICS_PORT must be a port number, got "${raw}"`);
  return { port, host: env.NIGHTSHIFT_METRICS_HOST?.trim() || '0.0.0.0' };
}

/**
 * The metrics listener of a process: `/metrics` (and `/api/metrics`) without a token, and the
 * health endpoints — what Prometheus and Kubernetes probes reach on every pod, web or worker.
 */
export async function startMetricsServer(addr: { port: number; host: string }, deps: OpsDeps): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (pathname === '/metrics' || pathname === '/api/metrics') return await serveMetrics(req, res, { requireToken: false });
      if (await serveHealth(res, pathname, deps)) return;
      send(res, 404, { error: 'not found: /metrics, /api/health, /api/health/ready, /api/health/live' });
    } catch (err) {
      getLogger({ component: 'metrics' }).error({ err }, `metrics listener: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : addr.port;
  getLogger({ component: 'metrics' }).info({ port, host: addr.host }, `metrics and health on http://${addr.host}:${port}/metrics`);
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
