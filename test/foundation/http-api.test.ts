import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { handleApi } from '../../server/http/server';
import { migrationState } from '../../server/db/migrate';
import type { DatabaseRuntime } from '../../server/boot';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createApiToken } from '../../server/services/api-tokens';
import { serveRemoteLocally } from '../support/git-remote';

/** The API as a client sees it over HTTP: health, tRPC input errors, API-token auth. */
let t: TestDatabase;
let server: http.Server;
let base: string;
let token: string;
let orgId: string;

beforeAll(async () => {
  t = await createTestDatabase('http');
  const rt: DatabaseRuntime = { db: t.db, pool: t.pool, url: t.url, mode: 'external', migrations: await migrationState(t.db), close: async () => {} };
  server = http.createServer(async (req, res) => {
    if (!(await handleApi(req, res, { rt, jobs: null, log: () => {} }))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const u = await createUser(t.db, { name: 'Api', email: 'api@example.com', password: 'api-password' });
  orgId = (await createOrganization(t.db, { name: 'Api Org', ownerId: u.id })).id;
  token = (await createApiToken(t.db, { orgId, userId: null }, { name: 'test' })).token;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify({ json: body }) });

describe('HTTP API', () => {
  it('/api/health reports the database mode, migrations and queue state', async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.database).toMatchObject({ mode: 'external', reachable: true, migrations: { pending: [] } });
    expect(body.database.migrations.applied).toContain('0001_foundation');
    expect(body.queue.state).toBe('not-started');
  });

  it('serves the Monaco editor from the installed package, and nothing outside it', async () => {
    const loader = await fetch(`${base}/monaco/vs/loader.js`);
    expect(loader.status).toBe(200);
    expect(loader.headers.get('content-type')).toContain('javascript');
    expect(await loader.text()).toContain('define');
    expect((await fetch(`${base}/monaco/vs/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/monaco/vs/nope.js`)).status).toBe(404);
  });

  it('malformed and oversized input get 400 with the validation message', async () => {
    const res = await post('auth.signUp', { name: 'x', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.json.message).toContain('email: must be a valid email address');
    expect(body.error.json.message).toContain('password: must be at least 8 characters');

    const big = await post('auth.signUp', { name: 'x'.repeat(5000), email: 'a@b.co', password: 'long-enough' });
    expect(big.status).toBe(400);
    expect((await big.json()).error.json.message).toContain('name: must be at most 100 characters');

    const garbage = await post('auth.signUp', '{not json');
    expect(garbage.status).toBe(400);
  });

  it('an org API token authenticates API calls for its organisation only', async () => {
    // Creating a project checks its repository is reachable: this one answers locally.
    const restore = serveRemoteLocally('https://example.com/acme/app.git');
    const create = await post('project.create', { orgId, name: 'via-token', repository: 'https://example.com/acme/app.git' }, { authorization: `Bearer ${token}` }).finally(restore);
    expect(create.status).toBe(200);
    const list = await fetch(`${base}/api/trpc/project.list?input=${encodeURIComponent(JSON.stringify({ json: { orgId } }))}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await list.json()).result.data.json.map((p: { name: string }) => p.name)).toEqual(['via-token']);
    const anon = await fetch(`${base}/api/trpc/project.list?input=${encodeURIComponent(JSON.stringify({ json: { orgId } }))}`);
    expect(anon.status).toBe(401);
    const wrong = await fetch(`${base}/api/trpc/project.list?input=${encodeURIComponent(JSON.stringify({ json: { orgId } }))}`, {
      headers: { authorization: 'Bearer nst_not-a-real-token' },
    });
    expect(wrong.status).toBe(401);
  });
});
