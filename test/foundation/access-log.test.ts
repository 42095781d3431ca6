import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestApp } from '../support/http-app';
import { configureLogging } from '../../server/observability/logger';

/**
 * Access logs of the web server: one JSON line per request with its request id (echoed in
 * X-Request-Id, or the proxy's own), method, a bounded route template, status and duration —
 * never the raw path, whose ids and tokens stay out of the log.
 */
let t: TestDatabase;
let app: { base: string; close(): Promise<void> };
const lines: string[] = [];

beforeAll(async () => {
  configureLogging({ stream: { write: (l: string) => lines.push(l) }, level: 'debug', pretty: false });
  t = await createTestDatabase('accesslog');
  app = await startTestApp(t);
});

afterAll(async () => {
  configureLogging({ stream: undefined, level: undefined, pretty: undefined });
  await app?.close();
  await t?.close();
});

const requests = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`no log line for ${what}`);
}

describe('access log', () => {
  it('logs each request once with reqId, route template, status and duration, and echoes the request id', async () => {
    const health = await fetch(`${app.base}/api/health`);
    expect(health.status).toBe(200);
    const reqId = health.headers.get('x-request-id')!;
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    const h = await until('health', () => requests().find((r) => r.reqId === reqId));
    expect(h).toMatchObject({ level: 'debug', method: 'GET', route: '/api/health', status: 200, component: 'http' });
    expect(typeof h.durationMs).toBe('number');
    expect(requests().filter((r) => r.reqId === reqId)).toHaveLength(1);

    // A proxy's request id is kept; a tRPC procedure is named, its input is not logged.
    const trpc = await fetch(`${app.base}/api/trpc/auth.signUp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'edge-1234' },
      body: JSON.stringify({ json: { email: 'not-an-email', password: 'pw-in-the-body-secret', name: 'X' } }),
    });
    expect(trpc.headers.get('x-request-id')).toBe('edge-1234');
    const t1 = await until('trpc', () => requests().find((r) => r.reqId === 'edge-1234'));
    expect(t1).toMatchObject({ level: 'info', method: 'POST', route: '/api/trpc/auth.signUp', status: trpc.status });

    // Ids and tokens in paths stay out: templates only, and unknown procedures are not echoed.
    await fetch(`${app.base}/invite/tok-very-secret-invite-123`);
    await fetch(`${app.base}/api/trpc/no.such.procedure.abc123`);
    await fetch(`${app.base}/o/acme-secret-slug/runs/1234`);
    await until('three more', () => (requests().length >= 5 ? true : undefined));
    const routes = requests().map((r) => r.route);
    expect(routes).toEqual(expect.arrayContaining(['/invite/*', '/api/trpc/(unknown)', '/o/:slug/runs/*']));
    const text = lines.join('');
    for (const leak of ['tok-very-secret-invite-123', 'abc123', 'acme-secret-slug', 'pw-in-the-body-secret']) expect(text).not.toContain(leak);
  });
});
