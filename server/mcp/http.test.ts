/**
 * Nightshift's MCP endpoint through the SDK's own Client over HTTP, against a real HTTP server
 * running handleMcp on a real test database: anonymous and bad tokens get 401, a token sees
 * only its organisation, and another organisation's ids are refused.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createApiToken } from '../services/api-tokens';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { createPullRequestStore } from '../services/pull-requests';
import { createRun } from '../services/runs';
import { createSpec, submitSpec } from '../services/specs';
import { createUser } from '../services/users';
import { scoreSpec } from '../specs/score';
import { handleMcp, MCP_PATH } from './http';

const here = path.dirname(fileURLToPath(import.meta.url));
const goodSpec = readFileSync(path.join(here, '../../test/fixtures/specs/good-spec.md'), 'utf8');
const vagueSpec = readFileSync(path.join(here, '../../test/fixtures/specs/vague-spec.md'), 'utf8');
const TASKS = [
  { id: 'api', title: 'API', description: 'Add the endpoint', files: ['src/api.ts'], dependsOn: [] },
  { id: 'ui', title: 'UI', description: 'Call the endpoint', files: ['src/ui.ts'], dependsOn: ['api'] },
];

let t: TestDatabase;
let server: http.Server;
let endpoint: URL;
const A: Record<string, string> = {};
const B: Record<string, string> = {};
const clients: Client[] = [];

async function connect(token?: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers } }));
  clients.push(client);
  return client;
}

type TextResult = { isError?: boolean; content: Array<{ type: string; text?: string }> };

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const res = (await client.callTool({ name, arguments: args })) as TextResult;
  const text = res.content.map((c) => c.text ?? '').join('\n');
  return { isError: res.isError === true, text, json: () => JSON.parse(text) };
}

beforeAll(async () => {
  t = await createTestDatabase('mcpsrv');
  for (const [who, ids] of [['a', A], ['b', B]] as const) {
    const user = await createUser(t.db, { name: who, email: `${who}@mcp.test`, password: 'password-123' });
    const org = await createOrganization(t.db, { name: `Org ${who}`, ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    const project = await createProject(t.db, scope, { name: `proj-${who}`, repository: `https://example.test/none-${who}.git` });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: `Spec of ${who}`, markdown: goodSpec });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: TASKS });
    await createPullRequestStore(t.db, { orgId: org.id, runId: run.id }).upsert({
      projectId: project.id,
      branch: `nightshift/${who}-branch`,
      base: 'main',
      title: `PR of ${who}`,
      body: 'body',
      draft: false,
      labels: [],
      provider: 'local',
      state: 'open',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const token = await createApiToken(t.db, { orgId: org.id, userId: user.id }, { name: `mcp-${who}` });
    Object.assign(ids, { orgId: org.id, projectId: project.id, specId: spec.id, runId: run.id, token: token.token });
  }
  server = http.createServer(async (req, res) => {
    if (!(await handleMcp(req, res, { db: t.db }))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${MCP_PATH}`);
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await t?.close();
});

describe('authentication', () => {
  it('answers 401 to anonymous and unknown tokens, before any MCP handling', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const anon = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await anon.json()).error.message).toContain('API token');
    const bogus = await fetch(endpoint, { method: 'POST', headers: { authorization: 'Bearer nst_not-a-real-token', 'content-type': 'application/json' }, body });
    expect(bogus.status).toBe(401);
    const err = await connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamableHTTPError);
    expect((err as StreamableHTTPError).code).toBe(401);
  });

  it('refuses non-POST methods on the stateless endpoint and leaves other paths alone', async () => {
    const get = await fetch(endpoint, { headers: { authorization: `Bearer ${A.token}`, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const other = await fetch(new URL('/api/other', endpoint), { headers: { authorization: `Bearer ${A.token}` } });
    expect(other.status).toBe(404);
  });
});

describe('tools scoped to the token organisation', () => {
  it('lists the platform tools', async () => {
    const client = await connect(A.token);
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(['create_spec', 'get_run_status', 'get_spec_score', 'list_projects', 'list_pull_requests', 'list_specs', 'start_run']);
    const create = tools.find((x) => x.name === 'create_spec')!;
    expect(create.inputSchema.required).toEqual(['projectId', 'title', 'markdown']);
  });

  it('lists only its own projects, specs and pull requests', async () => {
    const client = await connect(A.token);
    expect((await call(client, 'list_projects')).json().map((p: { id: string }) => p.id)).toEqual([A.projectId]);
    const specs = (await call(client, 'list_specs')).json() as Array<{ id: string }>;
    expect(specs.map((s) => s.id)).toEqual([A.specId]);
    const prs = (await call(client, 'list_pull_requests')).json() as Array<{ runId: string; title: string }>;
    expect(prs.map((p) => [p.runId, p.title])).toEqual([[A.runId, 'PR of a']]);
    // Filtering by another organisation's project finds nothing rather than its rows.
    expect((await call(client, 'list_specs', { projectId: B.projectId })).json()).toEqual([]);
    expect((await call(client, 'list_pull_requests', { runId: B.runId })).json()).toEqual([]);
  });

  it('creates a spec with its completeness score and submits it when asked', async () => {
    const client = await connect(A.token);
    const expected = scoreSpec(vagueSpec);
    const draft = await call(client, 'create_spec', { projectId: A.projectId, title: 'Vague', markdown: vagueSpec, submit: true });
    expect(draft.isError).toBe(false);
    const d = draft.json();
    // One title per spec: the document's first # heading ("Better search") is the title.
    expect(d).toMatchObject({ title: 'Better search', status: 'draft', score: expected.score, threshold: 70, meetsThreshold: false, submitted: false });
    expect(d.reason).toContain(`scores ${expected.score}/100`);
    const score = (await call(client, 'get_spec_score', { specId: d.specId })).json();
    expect(score).toMatchObject({ specId: d.specId, score: expected.score, status: 'draft' });
    expect(score.findings.length).toBe(Math.min(expected.findings.length, 20));

    const good = (await call(client, 'create_spec', { projectId: A.projectId, title: 'Good', markdown: goodSpec, submit: true })).json();
    expect(good).toMatchObject({ status: 'accepted', score: scoreSpec(goodSpec).score, meetsThreshold: true });
    const rows = await t.db.selectFrom('specs').select(['org_id', 'project_id']).where('id', '=', good.specId).executeTakeFirstOrThrow();
    expect(rows).toEqual({ org_id: A.orgId, project_id: A.projectId });
  });

  it('starts a run from an accepted spec and a task list, and reports its status', async () => {
    const client = await connect(A.token);
    const started = await call(client, 'start_run', { specId: A.specId, tasks: TASKS });
    expect(started.isError).toBe(false);
    const run = started.json();
    expect(run).toMatchObject({ status: 'planning', specId: A.specId, projectId: A.projectId });
    const status = (await call(client, 'get_run_status', { runId: run.runId })).json();
    expect(status).toMatchObject({ runId: run.runId, status: 'planning', counts: { pending: 2 } });
    expect(status.tasks.map((x: { key: string; wave: number }) => `${x.key}@${x.wave}`)).toEqual(['api@0', 'ui@1']);
    // The queued run made in setup starts by id; starting it twice is a conflict the caller can read.
    expect((await call(client, 'start_run', { runId: A.runId })).json()).toMatchObject({ runId: A.runId, status: 'planning' });
    const again = await call(client, 'start_run', { runId: A.runId });
    expect(again).toMatchObject({ isError: true, text: 'This run is already planning; only a queued run can be started' });
    const neither = await call(client, 'start_run', {});
    expect(neither.isError).toBe(true);
    expect(neither.text).toContain('Give runId, or specId');
  });

  it("refuses another organisation's ids and changes nothing there", async () => {
    const client = await connect(A.token);
    const before = await t.db.selectFrom('runs').select(['id', 'status']).where('org_id', '=', B.orgId).execute();
    const specsBefore = await t.db.selectFrom('specs').select('id').where('org_id', '=', B.orgId).execute();
    expect(await call(client, 'get_spec_score', { specId: B.specId })).toMatchObject({ isError: true, text: 'Spec not found' });
    expect(await call(client, 'get_run_status', { runId: B.runId })).toMatchObject({ isError: true, text: 'Run not found' });
    expect(await call(client, 'start_run', { runId: B.runId })).toMatchObject({ isError: true, text: 'Run not found' });
    expect(await call(client, 'start_run', { specId: B.specId, tasks: TASKS })).toMatchObject({ isError: true, text: 'Spec not found' });
    expect(await call(client, 'create_spec', { projectId: B.projectId, title: 'Intrusion', markdown: goodSpec })).toMatchObject({ isError: true, text: 'Project not found' });
    expect(await t.db.selectFrom('runs').select(['id', 'status']).where('org_id', '=', B.orgId).execute()).toEqual(before);
    expect(await t.db.selectFrom('specs').select('id').where('org_id', '=', B.orgId).execute()).toEqual(specsBefore);
    // And B's token sees B, not A.
    const clientB = await connect(B.token);
    expect((await call(clientB, 'list_specs')).json().map((s: { id: string }) => s.id)).toEqual([B.specId]);
    expect(await call(clientB, 'get_run_status', { runId: A.runId })).toMatchObject({ isError: true, text: 'Run not found' });
  });

  it('rejects malformed arguments with a readable error', async () => {
    const client = await connect(A.token);
    const bad = await call(client, 'get_spec_score', { specId: 'not-a-uuid' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('must be an id (uuid)');
  });
});
