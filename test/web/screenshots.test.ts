import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'next-auth/jwt';
import { PNG } from 'pngjs';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun } from '../../server/services/runs';
import { createPullRequestStore } from '../../server/services/pull-requests';
import { listPullScreenshots, screenshotDirFor } from '../../server/services/screenshots';
import { handleScreenshot } from '../../server/http/screenshots';

/** The pull request page shows the web tester's screenshots; only members of the pull's organisation can fetch them. */
let t: TestDatabase;
let server: http.Server;
let base: string;
let dataDir: string;
let pullId: string;
let orgId: string;
let ownerCookie: string;
let strangerCookie: string;
let png: Buffer;

async function cookieFor(user: { id: string; email: string }) {
  return `next-auth.session-token=${await encode({ token: { uid: user.id, email: user.email }, secret: process.env.NEXTAUTH_SECRET! })}`;
}

beforeAll(async () => {
  t = await createTestDatabase('shots');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-shots-'));
  const owner = await createUser(t.db, { name: 'Owner', email: 'owner@shots.test', password: 'password-o1' });
  const stranger = await createUser(t.db, { name: 'Stranger', email: 'stranger@shots.test', password: 'password-s1' });
  const org = await createOrganization(t.db, { name: 'Shots', ownerId: owner.id });
  await createOrganization(t.db, { name: 'Elsewhere', ownerId: stranger.id });
  orgId = org.id;
  const scope = { orgId: org.id, userId: owner.id, role: 'owner' as const };
  const project = await createProject(t.db, scope, { name: 'app', repository: 'https://example.test/app.git' });
  const good = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
  const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'UI', markdown: good });
  await submitSpec(t.db, scope, { specId: spec.id });
  const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'page', description: 'a page', files: ['src/a.ts'], dependsOn: [] }] });
  const task = await t.db.selectFrom('tasks').select('id').where('run_id', '=', run.id).executeTakeFirstOrThrow();
  const now = new Date();
  await createPullRequestStore(t.db, { orgId: org.id, runId: run.id, taskId: task.id }).upsert({
    projectId: project.id, branch: 'nightshift/page', base: 'main', title: 'page', body: 'report', draft: false, labels: [], provider: 'local', state: 'open', diff: '', createdAt: now, updatedAt: now,
  });
  pullId = (await t.db.selectFrom('pull_requests').select('id').where('org_id', '=', org.id).executeTakeFirstOrThrow()).id;

  const image = new PNG({ width: 4, height: 3 });
  image.data.fill(200);
  png = PNG.sync.write(image);
  const dir = screenshotDirFor(dataDir, task.id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '02-after-submit.png'), png);
  fs.writeFileSync(path.join(dir, '01-home.png'), png);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  fs.writeFileSync(path.join(dataDir, 'secret.png'), 'outside the task folder');

  ownerCookie = await cookieFor(owner);
  strangerCookie = await cookieFor(stranger);
  server = http.createServer((req, res) => {
    void handleScreenshot(req, res, { db: t.db, dataDir }).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

describe('pull request screenshots', () => {
  it('lists the task’s PNG screenshots in the order they were taken', async () => {
    expect(await listPullScreenshots(t.db, { orgId, userId: null, role: 'member' }, { pullRequestId: pullId, dataDir })).toEqual(['01-home.png', '02-after-submit.png']);
  });

  it('serves a screenshot to a member of the organisation', async () => {
    const res = await fetch(`${base}/api/pulls/${pullId}/screenshots/01-home.png`, { headers: { cookie: ownerCookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
  });

  it('refuses anonymous callers, other organisations and names outside the folder', async () => {
    expect((await fetch(`${base}/api/pulls/${pullId}/screenshots/01-home.png`)).status).toBe(401);
    const stranger = await fetch(`${base}/api/pulls/${pullId}/screenshots/01-home.png`, { headers: { cookie: strangerCookie } });
    expect(stranger.status).toBe(404);
    expect(await stranger.text()).not.toContain('PNG');
    expect((await fetch(`${base}/api/pulls/${pullId}/screenshots/..%2Fsecret.png`, { headers: { cookie: ownerCookie } })).status).toBe(400);
    expect((await fetch(`${base}/api/pulls/${pullId}/screenshots/notes.txt`, { headers: { cookie: ownerCookie } })).status).toBe(400);
    expect((await fetch(`${base}/api/pulls/${pullId}/screenshots/03-missing.png`, { headers: { cookie: ownerCookie } })).status).toBe(404);
    expect((await fetch(`${base}/api/pulls/00000000-0000-0000-0000-000000000000/screenshots/01-home.png`, { headers: { cookie: ownerCookie } })).status).toBe(404);
  });
});
