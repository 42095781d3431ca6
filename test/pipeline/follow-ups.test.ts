import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startHandlerServer } from '../../server/notify/testing/local-receiver';
import { handleWebhook } from '../../server/http/webhooks';
import { signGithubPayload } from '../../server/github/webhooks';
import { createFollowUpRun } from '../../server/services/follow-ups';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, getRun } from '../../server/services/runs';
import { createPullRequestStore } from '../../server/services/pull-requests';

/** A review comment on a Nightshift pull request (signed GitHub webhook) becomes a follow-up task. */
const SECRET = 'gh-follow-up-secret';
let t: TestDatabase;
let server: { url: string; close(): Promise<void> };
const saved = process.env.GITHUB_WEBHOOK_SECRET;

beforeAll(async () => {
  t = await createTestDatabase('fu');
  process.env.GITHUB_WEBHOOK_SECRET = SECRET;
  server = await startHandlerServer((req, res) => handleWebhook(req, res, { db: t.db, onFollowUp: (r) => createFollowUpRun(t.db, r).then(() => undefined) }));
});

afterAll(async () => {
  await server?.close();
  if (saved === undefined) delete process.env.GITHUB_WEBHOOK_SECRET;
  else process.env.GITHUB_WEBHOOK_SECRET = saved;
  await t?.close();
});

describe('GitHub review comments', () => {
  it('become a queued follow-up run of the same spec, on the commented file', async () => {
    const u = await createUser(t.db, { name: 'Rev', email: 'rev@example.com', password: 'review-pass' });
    const org = await createOrganization(t.db, { name: 'Widgets', ownerId: u.id });
    const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
    const project = await createProject(t.db, scope, { name: 'widgets', repository: 'https://github.com/acme/widgets.git' });
    const good = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'List view', markdown: good });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'List view', description: 'Show the list.', files: ['src/list.ts'], dependsOn: [] }] });
    const task = await t.db.selectFrom('tasks').select('id').where('run_id', '=', run.id).executeTakeFirstOrThrow();
    const now = new Date();
    const branch = 'nightshift/list-view-1a2b3c4d';
    await createPullRequestStore(t.db, { orgId: org.id, runId: run.id, taskId: task.id }).upsert({
      projectId: project.id, branch, base: 'main', title: 'List view', body: 'report', draft: false, labels: [], provider: 'github', state: 'open', number: 7, createdAt: now, updatedAt: now,
    });

    const payload = {
      action: 'created',
      comment: { id: 555, body: 'Handle the empty list case here.\nIt crashes on [].', user: { login: 'octocat', type: 'User' }, path: 'src/list.ts', line: 42, html_url: 'https://github.com/acme/widgets/pull/7#discussion_r555' },
      pull_request: { number: 7, head: { ref: branch }, base: { repo: { full_name: 'acme/widgets' } } },
      repository: { full_name: 'acme/widgets' },
    };
    const body = JSON.stringify(payload);
    const res = await fetch(`${server.url}/api/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request_review_comment', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signGithubPayload(SECRET, body) },
      body,
    });
    expect(res.status).toBe(200);

    const runs = await t.db.selectFrom('runs').select(['id', 'status']).where('spec_id', '=', spec.id).orderBy('created_at').execute();
    expect(runs).toHaveLength(2);
    const followUp = await getRun(t.db, scope, runs[1].id);
    expect(followUp.status).toBe('queued');
    const [fix] = followUp.waves.flat();
    expect(fix).toMatchObject({ key: 'R1', title: 'Address review: Handle the empty list case here.', files: ['src/list.ts'] });
    const description = await t.db.selectFrom('tasks').select('description').where('id', '=', fix.id).executeTakeFirstOrThrow();
    expect(description.description).toContain('octocat wrote on src/list.ts:42');
    expect(description.description).toContain('It crashes on [].');
    const request = await t.db.selectFrom('follow_up_requests').select('status').where('org_id', '=', org.id).executeTakeFirstOrThrow();
    expect(request.status).toBe('planned');
  });
});
