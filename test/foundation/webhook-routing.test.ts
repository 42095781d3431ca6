import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { sessionCookie, startApiServer, type ApiServer } from '../support/api-server';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { setSecret } from '../../server/services/secrets';
import { createApiToken } from '../../server/services/api-tokens';
import { signGithubPayload } from '../../server/github/webhooks';
import { signSlackRequest } from '../../server/notify/slack-signature';
import { serveRemoteLocally } from '../support/git-remote';

/**
 * Webhooks carry one organisation's review comments and Slack commands. Two organisations on one
 * server use the same GitHub repository (nothing stops that: it may be public); a delivery goes to
 * the organisation whose Nightshift opened the pull request, or whose GitHub App installation or
 * webhook secret it came with — never into every organisation with the same URL.
 */
const GH_SECRET = 'instance-webhook-secret';
const SLACK_SECRET = 'instance-slack-signing-secret';
const REPO_URL = 'https://github.com/acme/widgets.git';

let t: TestDatabase;
let api: ApiServer;
const A = { orgId: '', userId: '', cookie: '', projectId: '' };
const B = { orgId: '', userId: '', cookie: '', projectId: '' };
const saved: Record<string, string | undefined> = {};
let restoreRemote = () => {};

function reviewComment(id: number, pr: number, branch: string, installation?: number) {
  return {
    action: 'created',
    comment: { id, body: `Please fix this (${id}).`, user: { login: 'reviewer', type: 'User' }, path: 'src/list.ts', line: 3, html_url: `https://github.com/acme/widgets/pull/${pr}#discussion_r${id}` },
    pull_request: { number: pr, head: { ref: branch }, base: { repo: { full_name: 'acme/widgets' } } },
    repository: { full_name: 'acme/widgets' },
    ...(installation ? { installation: { id: installation } } : {}),
  };
}

async function deliver(payload: unknown) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${api.url}/api/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request_review_comment', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signGithubPayload(GH_SECRET, body) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const followUpOrgs = async (sourceId: number) =>
  (await t.db.selectFrom('follow_up_requests').select('org_id').where('source_id', '=', String(sourceId)).execute()).map((r) => r.org_id);

beforeAll(async () => {
  for (const [k, v] of Object.entries({ GITHUB_WEBHOOK_SECRET: GH_SECRET, SLACK_SIGNING_SECRET: SLACK_SECRET, STRIPE_SECRET_KEY: undefined })) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t = await createTestDatabase('whroute');
  api = await startApiServer(t);
  // Creating a project checks its repository is reachable: REPO_URL answers from a local copy.
  restoreRemote = serveRemoteLocally(REPO_URL);
  for (const [who, ids] of [['alice', A], ['bob', B]] as const) {
    const user = await createUser(t.db, { name: who, email: `${who}@wh.test`, password: 'password-123' });
    const org = await createOrganization(t.db, { name: `Org of ${who}`, ownerId: user.id });
    Object.assign(ids, { orgId: org.id, userId: user.id, cookie: await sessionCookie(user) });
    const project = await api.call('project.create', { orgId: org.id, name: 'widgets', repository: REPO_URL }, { cookie: ids.cookie });
    expect(project.status).toBe(200);
    ids.projectId = project.data.id;
  }
  // A's run opened pull request #7 (the record the executor keeps).
  await t.db
    .insertInto('pull_requests')
    .values({ org_id: A.orgId, project_id: A.projectId, branch: 'nightshift/list-view-4f1c2d9e', base: 'main', title: 'List view', number: 7, url: 'https://github.com/acme/widgets/pull/7', provider: 'github' })
    .execute();
});

afterAll(async () => {
  restoreRemote();
  await api?.close();
  await t?.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});

describe('GitHub review comments', () => {
  it("a comment on A's pull request reaches A only, not every organisation with the same repository", async () => {
    const res = await deliver(reviewComment(5001, 7, 'nightshift/list-view-4f1c2d9e'));
    expect(res).toMatchObject({ status: 200, body: { ok: true, followUps: 1 } });
    expect(await followUpOrgs(5001)).toEqual([A.orgId]);
  });

  it('a pull request nobody recorded, without an installation, is ambiguous and stored nowhere', async () => {
    const res = await deliver(reviewComment(5002, 9, 'nightshift/someone-else-0a0a0a0a'));
    expect(res.status).toBe(200);
    expect(res.body.followUps ?? 0).toBe(0);
    expect(await followUpOrgs(5002)).toEqual([]);
  });

  it("with a GitHub App installation, only the organisation of that installation hears it", async () => {
    await setSecret(t.db, { orgId: A.orgId, userId: A.userId, role: 'owner' }, { name: 'GITHUB_APP_INSTALLATION_ID', value: '111' });
    await setSecret(t.db, { orgId: B.orgId, userId: B.userId, role: 'owner' }, { name: 'GITHUB_APP_INSTALLATION_ID', value: '222' });
    expect(await deliver(reviewComment(5003, 8, 'nightshift/b-task-1b1b1b1b', 222))).toMatchObject({ status: 200, body: { followUps: 1 } });
    expect(await followUpOrgs(5003)).toEqual([B.orgId]);
    // An installation nobody here uses: nothing, even though both have the repository.
    expect((await deliver(reviewComment(5004, 8, 'nightshift/b-task-1b1b1b1b', 999))).body.followUps ?? 0).toBe(0);
    // B's installation cannot pull A's pull request into B: the record names A, which B's installation is not.
    expect((await deliver(reviewComment(5005, 7, 'nightshift/list-view-4f1c2d9e', 222))).body.followUps ?? 0).toBe(0);
    expect(await followUpOrgs(5005)).toEqual([]);
  });
});

describe('Slack workspaces', () => {
  const channel = (name: string, team: string) => ({ kind: 'slack-bot', name, botToken: 'xoxb-test-1', slackChannel: 'C0ENG', slackTeamId: team });

  it("a Slack team id belongs to one organisation: another cannot claim it, and commands go to the first", async () => {
    expect((await api.call('integrations.channels.create', { orgId: A.orgId, channel: channel('eng', 'T0ACME') }, { cookie: A.cookie })).status).toBe(200);
    // The same organisation may have several channels in its workspace.
    expect((await api.call('integrations.channels.create', { orgId: A.orgId, channel: channel('ops', 'T0ACME') }, { cookie: A.cookie })).status).toBe(200);
    const claim = await api.call('integrations.channels.create', { orgId: B.orgId, channel: channel('eng', 'T0ACME') }, { cookie: B.cookie });
    expect(claim.status).toBe(409);
    expect(claim.message).toMatch(/already connected to another organization/);

    const form = new URLSearchParams({ team_id: 'T0ACME', command: '/nightshift', text: 'status', user_name: 'ada' }).toString();
    const now = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${api.url}/api/webhooks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': now, 'x-slack-signature': signSlackRequest(SLACK_SECRET, now, form) },
      body: form,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).text).toContain('Org of alice');
  });
});

describe('/api/mcp', () => {
  it('a 413 does not break the next request on the same keep-alive connection', async () => {
    const token = (await createApiToken(t.db, { orgId: A.orgId, userId: A.userId }, { name: 'mcp' })).token;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const port = Number(new URL(api.url).port);
    /** One POST through the single kept-alive connection; `declared` overrides Content-Length (body sent only in part). */
    const post = (body: string, declared?: number) =>
      new Promise<{ status: number; body: string; reused: boolean; connection: string | undefined }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/mcp',
            method: 'POST',
            agent,
            timeout: 15_000,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': declared ?? Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket, connection: res.headers.connection });
              if (declared !== undefined) req.destroy();
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
        req.on('error', (err) => (declared !== undefined ? undefined : reject(err)));
        if (declared === undefined) req.end(body);
        else req.write(body);
      });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const tools = (r: { body: string }) => (JSON.parse(r.body) as { result: { tools: unknown[] } }).result.tools.length;
    try {
      expect((await post(list)).status).toBe(200);
      // Over the 1 MiB limit: refused, and the connection stays usable.
      const big = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
      expect(big.status).toBe(413);
      const after = await post(list);
      expect([after.status, after.reused]).toEqual([200, true]);
      expect(tools(after)).toBeGreaterThan(0);
      // A body too large to be worth reading is refused at once, and the connection closed cleanly.
      const huge = await post('{"jsonrpc":"2.0"', 512 * 1024 * 1024);
      expect([huge.status, huge.connection]).toEqual([413, 'close']);
      const next = await post(list);
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
