import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startApiServer, sessionCookie, type ApiServer } from '../support/api-server';
import { serveRemoteLocally } from '../support/git-remote';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createSpec, submitSpec } from '../../server/services/specs';
import { planSpecJob } from '../../jobs/plan-spec';
import { createPipelineExecutor } from '../../server/pipeline/task-executor';
import type { RealtimeEvent } from '../../server/realtime/events';

/**
 * A local path is an operator's grant, not a member's choice. Two organisations on one server:
 * A (the instance's first, the self-hoster's own) keeps a checkout on this host; a member of B
 * points projects at A's checkout, at /etc, at a missing path, through a symlink or `..`, and
 * at the server's own mirrors — and must get one and the same refusal every time, and never a
 * byte of A's code through the assistant, the planner or the agents.
 */
const SECRET = 'TOP-SECRET-A-7f3c1e';
const GOOD_SPEC = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');

let t: TestDatabase;
let api: ApiServer;
let llm: FakeLlm;
let root: string;
let repoA: string;
let repoB: string;
let dataDir: string;
const A = { orgId: '', slug: '', cookie: '' };
const B = { orgId: '', slug: '', cookie: '', userId: '' };
const saved: Record<string, string | undefined> = {};

function gitRepo(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'init');
}

function setEnv(name: string, value: string | undefined) {
  if (!(name in saved)) saved[name] = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Everything the model was ever sent, as one string. */
const modelSaw = () => JSON.stringify(llm.requests);

beforeAll(async () => {
  t = await createTestDatabase('lrepo');
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-lrepo-')));
  repoA = path.join(root, 'tenants', 'a', 'app');
  repoB = path.join(root, 'tenants', 'b', 'app');
  gitRepo(repoA, { 'src/secret.js': `export const key = '${SECRET}';\n` });
  gitRepo(repoB, { 'src/b.js': 'export const b = 1;\n' });
  gitRepo(path.join(root, 'shared', 'common'), { 'README.md': '# common\n' });
  dataDir = path.join(root, 'shared', 'nightshift-data');
  // The explorer reads the secret file and reports what it found: whatever it reads reaches the answer.
  llm = await startFakeLlm({
    script: (body: { messages?: Array<{ role: string; content?: unknown }> }) => {
      const toolResults = (body.messages ?? []).filter((m) => m.role === 'tool');
      if (!toolResults.length) return { toolCalls: [{ name: 'read_file', args: { path: 'src/secret.js' } }] };
      return { toolCalls: [{ name: 'finish', args: { summary: `The file says: ${JSON.stringify(toolResults.at(-1)!.content)}` } }] };
    },
  });
  setEnv('NIGHTSHIFT_DATA_DIR', dataDir);
  setEnv('OPENAI_BASE_URL', `${llm.url}/v1`);
  setEnv('OPENAI_API_KEY', 'sk-lrepo-test-key-123456');
  setEnv('NIGHTSHIFT_LOCAL_REPOS', undefined);

  const alice = await createUser(t.db, { name: 'Alice', email: 'alice@a.test', password: 'password-a1' });
  const bob = await createUser(t.db, { name: 'Bob', email: 'bob@b.test', password: 'password-b1' });
  const orgA = await createOrganization(t.db, { name: 'Alpha', ownerId: alice.id });
  const orgB = await createOrganization(t.db, { name: 'Beta', ownerId: bob.id });
  Object.assign(A, { orgId: orgA.id, slug: orgA.slug, cookie: await sessionCookie(alice) });
  Object.assign(B, { orgId: orgB.id, slug: orgB.slug, cookie: await sessionCookie(bob), userId: bob.id });
  api = await startApiServer(t);
});

afterAll(async () => {
  await api?.close();
  await llm?.close();
  await t?.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => setEnv('NIGHTSHIFT_LOCAL_REPOS', undefined));

const create = (who: typeof A, name: string, repository: string) => api.call('project.create', { orgId: who.orgId, name, repository }, { cookie: who.cookie });

/** A project row as it exists on a server that took any path before the rule: inserted directly. */
async function legacyProjectOfB(name: string, repository: string) {
  return t.db.insertInto('projects').values({ org_id: B.orgId, name, repository }).returning('id').executeTakeFirstOrThrow();
}

describe('local-path repositories: the operator grants them', () => {
  it('without NIGHTSHIFT_LOCAL_REPOS only the first organisation may use a local path; every refusal reads the same', async () => {
    const own = await create(A, 'a-app', repoA);
    expect(own.status).toBe(200);

    fs.symlinkSync(repoA, path.join(root, 'tenants', 'b', 'link-to-a'));
    const attempts = [
      repoA, // another tenant's checkout
      '/etc', // the host
      '/etc/passwd', // an existing file
      path.join(root, 'no', 'such', 'dir'), // nothing there
      path.join(root, 'tenants', 'b', 'link-to-a'), // a symlink into A's tree
      path.join(root, 'tenants', 'b', '..', 'a', 'app'), // `..` into A's tree
      `file://${repoA}`, // the same path as a URL
      repoB, // even a path nobody else uses: B has no grant
    ];
    const answers = [];
    for (const [i, repository] of attempts.entries()) answers.push(await create(B, `b-${i}`, repository));
    for (const [i, a] of answers.entries()) expect(a.status, `${attempts[i]} was accepted`).toBe(400);
    // One message for "not allowed", "not found" and "not a repository": no existence oracle.
    expect(new Set(answers.map((a) => a.message)).size).toBe(1);
    expect(answers[0].message).not.toContain(repoA);

    // B's own repository by URL is fine; nothing of B's was stored for the refused paths.
    // (Creating a project checks the repository is reachable: this URL answers from a local copy.)
    const restore = serveRemoteLocally('https://example.test/beta/app.git');
    expect((await create(B, 'b-url', 'https://example.test/beta/app.git').finally(restore)).status).toBe(200);
    const names = (await t.db.selectFrom('projects').select('name').where('org_id', '=', B.orgId).execute()).map((r) => r.name);
    expect(names).toEqual(['b-url']);
  });

  it("an existing project of B pointing at A's checkout is refused at run time: the assistant returns none of A's files", async () => {
    // The fixture really leaks when allowed: A's own assistant reads the secret.
    const a = await t.db.selectFrom('projects').select('id').where('org_id', '=', A.orgId).where('name', '=', 'a-app').executeTakeFirstOrThrow();
    const mine = await api.call('chat.ask', { orgId: A.orgId, projectId: a.id, question: 'What is in src/secret.js?', model: 'openai:fake' }, { cookie: A.cookie });
    expect(mine.status).toBe(200);
    expect(JSON.stringify(mine.data)).toContain(SECRET);

    const requestsBefore = llm.requests.length;
    const seenBefore = modelSaw();
    const viaPath = await legacyProjectOfB('legacy-path', repoA);
    const viaUrl = await legacyProjectOfB('legacy-url', `file://${repoA}`);
    const viaEtc = await legacyProjectOfB('legacy-etc', '/etc');
    const asks = [];
    for (const p of [viaPath, viaUrl, viaEtc]) asks.push(await api.call('chat.ask', { orgId: B.orgId, projectId: p.id, question: 'What is in src/secret.js?', model: 'openai:fake' }, { cookie: B.cookie }));
    for (const ask of asks) {
      expect(ask.status).toBe(400);
      expect(JSON.stringify(ask)).not.toContain(SECRET);
    }
    expect(new Set(asks.map((a) => a.message)).size).toBe(1);
    // The model was never called for B: nothing of A's repository left the server.
    expect(llm.requests.length).toBe(requestsBefore);
    expect(modelSaw()).toBe(seenBefore);
  });

  it("the planner and the agents refuse B's project on A's checkout too", async () => {
    const project = await legacyProjectOfB('legacy-plan', repoA);
    const scope = { orgId: B.orgId, userId: B.userId, role: 'owner' as const };
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Leak', markdown: GOOD_SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    const requestsBefore = llm.requests.length;

    // Planner (the plan-spec job): refused before a worktree exists; the browser hears why.
    const published: RealtimeEvent[] = [];
    const ctx = { db: t.db, publish: async (_org: string, e: RealtimeEvent) => (published.push(e), {} as never), boss: null as never, workerId: 'w' };
    await planSpecJob.handler({ orgId: B.orgId, specId: spec.id, userId: B.userId, model: 'openai:fake' }, ctx);
    const planned = published.find((e) => e.type === 'spec.planned');
    expect(planned && 'error' in planned && planned.error).toBeTruthy();
    expect(JSON.stringify(published)).not.toContain(SECRET);

    // A run created from a task list: the forecast reads imports from a local checkout — refused.
    const run = await api.call('run.create', { orgId: B.orgId, specId: spec.id, tasks: [{ id: 't1', title: 'Read it', description: 'Read src/secret.js', files: ['src/secret.js'], dependsOn: [] }] }, { cookie: B.cookie });
    expect(run.status).toBe(400);

    // The agents: a run row as an old server would have stored it, executed by the real executor.
    const runRow = await t.db
      .insertInto('runs')
      .values({ org_id: B.orgId, project_id: project.id, spec_id: spec.id, status: 'running', model: 'openai:fake' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const taskRow = await t.db
      .insertInto('tasks')
      .values({ org_id: B.orgId, run_id: runRow.id, key: 't1', title: 'Read it', files: JSON.stringify(['src/secret.js']) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const execute = createPipelineExecutor({ db: t.db, dataDir, sandboxDriver: 'none' });
    const outcome = await execute(
      { id: taskRow.id, orgId: B.orgId, runId: runRow.id, key: 't1', title: 'Read it', description: '', files: ['src/secret.js'], repo: null, wave: 0, attempt: 1, model: 'openai:fake' },
      {
        checkpoint: null,
        saveCheckpoint: async () => {},
        commitOnce: (key, fn) => fn({ key, recovering: false }),
        signal: new AbortController().signal,
        publish: async () => {},
      },
    ).then(
      (r) => ({ ok: true as const, r }),
      (e: Error) => ({ ok: false as const, message: e.message }),
    );
    expect(outcome.ok).toBe(false);
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
    expect(llm.requests.length).toBe(requestsBefore);
  });

  it('the start-up report names existing projects that break the rule', async () => {
    const { localRepositoryViolations } = await import('../../server/services/repositories');
    const report = await localRepositoryViolations(t.db);
    const legacy = report.filter((v) => v.orgId === B.orgId).map((v) => v.projectName).sort();
    expect(legacy).toEqual(['legacy-etc', 'legacy-path', 'legacy-plan', 'legacy-url']);
    expect(report.some((v) => v.orgId === A.orgId)).toBe(false);
  });
});

describe('NIGHTSHIFT_LOCAL_REPOS', () => {
  it('grants roots, binds a root to one organisation, and never lets two organisations share a path', async () => {
    setEnv('NIGHTSHIFT_LOCAL_REPOS', `${path.join(root, 'shared')}, ${B.slug}=${path.join(root, 'tenants', 'b')}`);
    const refused = (await create(B, 'probe', '/etc')).message;
    expect(refused).toBeTruthy();

    // The list replaces the first-organisation default: A's checkout is outside every root now.
    expect((await create(A, 'a-again', repoA)).message).toBe(refused);
    // A shared root: the first organisation to register a path keeps it.
    expect((await create(A, 'common', path.join(root, 'shared', 'common'))).status).toBe(200);
    expect((await create(B, 'common', path.join(root, 'shared', 'common'))).message).toBe(refused);
    // Nor a repository nested inside another organisation's, or one that contains it.
    gitRepo(path.join(root, 'shared', 'common', 'vendored'), { 'v.js': 'v\n' });
    expect((await create(B, 'inside', path.join(root, 'shared', 'common', 'vendored'))).message).toBe(refused);
    gitRepo(path.join(root, 'shared', 'outer', 'inner'), { 'i.js': 'i\n' });
    gitRepo(path.join(root, 'shared', 'outer'), { 'o.js': 'o\n' });
    expect((await create(A, 'inner', path.join(root, 'shared', 'outer', 'inner'))).status).toBe(200);
    expect((await create(B, 'outer', path.join(root, 'shared', 'outer'))).message).toBe(refused);
    // A root bound to B: B may, A may not.
    expect((await create(B, 'b-app', repoB)).status).toBe(200);
    expect((await create(A, 'b-app', repoB)).message).toBe(refused);
    // Resolved before the check: a symlink or `..` out of B's root is refused.
    fs.mkdirSync(path.join(root, 'tenants', 'b', 'nested'), { recursive: true });
    fs.symlinkSync(path.join(root, 'shared', 'common'), path.join(root, 'tenants', 'b', 'nested', 'common-link'));
    expect((await create(B, 'via-link', path.join(root, 'tenants', 'b', 'nested', 'common-link'))).message).toBe(refused);
    expect((await create(B, 'via-dots', path.join(root, 'tenants', 'b', '..', 'a', 'app'))).message).toBe(refused);
    // The server's own data directory (other tenants' mirrors) is never a repository source.
    const mirrors = path.join(dataDir, 'mirrors');
    expect(fs.readdirSync(mirrors).length).toBeGreaterThan(0);
    expect((await create(B, 'mirror', path.join(mirrors, fs.readdirSync(mirrors)[0]))).message).toBe(refused);
    expect((await create(B, 'data', dataDir)).message).toBe(refused);
  });
});
