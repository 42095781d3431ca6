import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { setSecret } from '../services/secrets';
import { handleWebhook } from '../http/webhooks';
import { startHandlerServer } from '../notify/testing/local-receiver';
import { followUpFromEvent, repoFullName, signGithubPayload, verifyGithubSignature, type FollowUpRequest } from './webhooks';

const SECRET = 'gh-webhook-secret';
let t: TestDatabase;
let server: { url: string; close(): Promise<void> };
const followUps: FollowUpRequest[] = [];
let org: { id: string; slug: string };
let projectId: string;
let other: { id: string; slug: string };

function reviewComment(over: { id?: number; pr?: number; branch?: string; body?: string; login?: string; type?: string; repo?: string } = {}) {
  return {
    action: 'created',
    comment: {
      id: over.id ?? 1001,
      body: over.body ?? 'Please handle the empty list case here.',
      user: { login: over.login ?? 'reviewer', type: over.type ?? 'User' },
      path: 'src/list.ts',
      line: 42,
      html_url: 'https://github.com/acme/widgets/pull/7#discussion_r1001',
    },
    pull_request: { number: over.pr ?? 7, head: { ref: over.branch ?? 'nightshift/run-abc/list-view' }, base: { repo: { full_name: over.repo ?? 'acme/widgets' } } },
    repository: { full_name: over.repo ?? 'acme/widgets' },
  };
}

async function deliver(event: string, payload: unknown, opts: { secret?: string | null; query?: string; signature?: string } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': crypto.randomUUID() };
  const sig = opts.signature ?? (opts.secret === null ? undefined : signGithubPayload(opts.secret ?? SECRET, body));
  if (sig) headers['x-hub-signature-256'] = sig;
  const res = await fetch(`${server.url}/api/webhooks/github${opts.query ?? ''}`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  t = await createTestDatabase('ghwh');
  const u = await createUser(t.db, { name: 'Gh', email: 'gh@n.test', password: 'password-123' });
  org = await createOrganization(t.db, { name: 'Acme', ownerId: u.id });
  other = await createOrganization(t.db, { name: 'Other', ownerId: u.id });
  const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
  projectId = (await createProject(t.db, scope, { name: 'widgets', repository: 'https://github.com/Acme/widgets.git' })).id;
  // A different repository whose name contains the same text must not match.
  await createProject(t.db, scope, { name: 'widgets-docs', repository: 'git@github.com:acme/widgets-docs.git' });
  await setSecret(t.db, { orgId: other.id, userId: u.id, role: 'owner' }, { name: 'GITHUB_WEBHOOK_SECRET', value: 'other-org-secret' });
  await createProject(t.db, { orgId: other.id, userId: u.id, role: 'owner' }, { name: 'w', repository: 'git@github.com:acme/widgets.git' });
  // Acme's run opened pull request #7: the record decides whose review comments they are.
  await t.db
    .insertInto('pull_requests')
    .values({ org_id: org.id, project_id: projectId, branch: 'nightshift/run-abc/list-view', base: 'main', title: 'List view', number: 7, provider: 'github' })
    .execute();
  const env = { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET };
  server = await startHandlerServer((req, res) =>
    handleWebhook(req, res, {
      db: t.db,
      env,
      onFollowUp: (r) => {
        followUps.push(r);
      },
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('GitHub webhook signature', () => {
  it('verifies X-Hub-Signature-256 in constant time and rejects anything else', () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const sig = signGithubPayload('s3cret', body);
    expect(sig).toBe(`sha256=${crypto.createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    expect(verifyGithubSignature('s3cret', body, sig)).toBe(true);
    expect(verifyGithubSignature('s3cret', `${body} `, sig)).toBe(false);
    expect(verifyGithubSignature('other', body, sig)).toBe(false);
    expect(verifyGithubSignature('s3cret', body, sig.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyGithubSignature('s3cret', body, undefined)).toBe(false);
  });

  it('answers 401 to unsigned or wrongly signed deliveries and stores nothing', async () => {
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 1 }), { secret: null })).status).toBe(401);
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 2 }), { secret: 'nope' })).status).toBe(401);
    expect(await t.db.selectFrom('follow_up_requests').selectAll().where('source_id', 'in', ['1', '2']).execute()).toEqual([]);
  });

  it('answers a ping', async () => {
    expect(await deliver('ping', { zen: 'hi', hook_id: 1 })).toEqual({ status: 200, body: { ok: true, pong: true } });
  });
});

describe('review feedback becomes follow-up requests', () => {
  it('stores a review comment on a nightshift/ branch and calls onFollowUp once, even when redelivered', async () => {
    const first = await deliver('pull_request_review_comment', reviewComment());
    // Both organisations use the repository; the pull request is Acme's, so only Acme hears it.
    expect(first).toMatchObject({ status: 200, body: { ok: true, followUps: 1 } });
    const again = await deliver('pull_request_review_comment', reviewComment());
    expect(again).toMatchObject({ status: 200, body: { ok: true, followUps: 0 } });
    const mine = followUps.filter((f) => f.sourceId === '1001');
    expect(mine).toHaveLength(1);
    const acme = mine.find((f) => f.orgId === org.id)!;
    expect(acme).toMatchObject({
      projectId,
      repository: 'acme/widgets',
      pullRequestNumber: 7,
      branch: 'nightshift/run-abc/list-view',
      source: 'review_comment',
      author: 'reviewer',
      body: 'Please handle the empty list case here.',
      path: 'src/list.ts',
      line: 42,
    });
    const rows = await t.db.selectFrom('follow_up_requests').select(['org_id', 'project_id', 'status']).where('source_id', '=', '1001').orderBy('org_id').execute();
    expect(rows.map((r) => r.org_id)).toEqual([org.id]);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
  });

  it('with ?org=<slug>, verifies with that organisation\'s secret and only matches its projects', async () => {
    const wrongSecret = await deliver('pull_request_review_comment', reviewComment({ id: 2001 }), { query: `?org=${other.slug}` });
    expect(wrongSecret.status).toBe(401);
    const ok = await deliver('pull_request_review_comment', reviewComment({ id: 2002, pr: 8 }), { query: `?org=${other.slug}`, secret: 'other-org-secret' });
    expect(ok).toMatchObject({ status: 200, body: { followUps: 1 } });
    expect(followUps.filter((f) => f.sourceId === '2002').map((f) => f.orgId)).toEqual([other.id]);
    // Its own secret does not bring Acme's pull request into the other organisation.
    const acmes = await deliver('pull_request_review_comment', reviewComment({ id: 2004 }), { query: `?org=${other.slug}`, secret: 'other-org-secret' });
    expect(acmes.body).toMatchObject({ followUps: 0, ignored: true });
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 2003 }), { query: `?org=${org.slug}` })).status).toBe(404);
  });

  it('turns a changes-requested review into a follow-up but ignores approvals, bots and other branches', async () => {
    const review = (id: number, state: string, body: string) => ({
      action: 'submitted',
      review: { id, body, state, user: { login: 'lead', type: 'User' }, html_url: `https://github.com/acme/widgets/pull/7#pullrequestreview-${id}` },
      pull_request: { number: 7, head: { ref: 'nightshift/run-abc/list-view' }, base: { repo: { full_name: 'acme/widgets' } } },
    });
    expect((await deliver('pull_request_review', review(3001, 'changes_requested', 'Split this into two functions.'))).body).toMatchObject({ followUps: 1 });
    expect((await deliver('pull_request_review', review(3002, 'approved', 'LGTM'))).body).toMatchObject({ ignored: true });
    expect((await deliver('pull_request_review', review(3003, 'commented', ''))).body).toMatchObject({ ignored: true });
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 3004, branch: 'feature/x' }))).body).toMatchObject({ ignored: true });
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 3005, login: 'nightshift[bot]', type: 'Bot' }))).body).toMatchObject({ ignored: true });
    expect((await deliver('pull_request_review_comment', reviewComment({ id: 3006, repo: 'acme/unknown' }))).body).toMatchObject({ followUps: 0 });
    const stored = await t.db.selectFrom('follow_up_requests').select('source_id').where('source_id', 'in', ['3001', '3002', '3003', '3004', '3005', '3006']).execute();
    expect(new Set(stored.map((r) => r.source_id))).toEqual(new Set(['3001']));
  });
});

describe('webhook routing', () => {
  it('leaves other paths to the caller, wants POST, and refuses oversized bodies', async () => {
    expect((await fetch(`${server.url}/api/webhooks/unknown`, { method: 'POST', body: '{}' })).status).toBe(404);
    const get = await fetch(`${server.url}/api/webhooks/github`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const big = await fetch(`${server.url}/api/webhooks/github`, { method: 'POST', body: 'x'.repeat(6 * 1024 * 1024) }).catch((e) => e as Error);
    // Either the 413 arrives or the server closed the connection mid-upload; never a 2xx.
    if (big instanceof Response) expect(big.status).toBe(413);
    else expect(big).toBeInstanceOf(Error);
  });
});

describe('pure helpers', () => {
  it('reads owner/repo from git URLs', () => {
    expect(repoFullName('https://github.com/Acme/Widgets.git')).toBe('acme/widgets');
    expect(repoFullName('git@github.com:acme/widgets.git')).toBe('acme/widgets');
    expect(repoFullName('ssh://git@github.com/acme/widgets')).toBe('acme/widgets');
    expect(repoFullName('/srv/repos/widgets')).toBe(null);
    expect(repoFullName('widgets')).toBe(null);
  });

  it('ignores edited comments', () => {
    expect(followUpFromEvent('pull_request_review_comment', { ...reviewComment(), action: 'edited' })).toBe(null);
  });
});
