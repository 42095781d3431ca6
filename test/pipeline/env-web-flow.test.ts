/**
 * Issue 21's web flow on real parts: a project on a JS repository whose test needs `ms` from a
 * private npm registry (a local stand-in that answers 401 without the organisation's token).
 * The organisation points setup at the registry and binds its NPM_TOKEN secret to it in Settings;
 * "Set up now" (a pg-boss job) shows the environment ready on the project's Environment card;
 * then a spec is planned and run by the scheduler with the scripted fake LLM: the task's sandbox
 * gets the dependencies from the cache before the first role (no install), QA runs `npm test`
 * (exit 0) and the pull request's verification report lists the setup step and the test run as
 * evidence. The token reaches the registry only: not the task sandbox, the model, the events,
 * the setup logs or the report.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { MS_SOURCE, startNpmStandIn, type NpmStandIn } from '../support/registries';
import { userContext } from '../support/trpc';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { createCallerFactory } from '../../server/api/trpc';
import { environmentRouter } from '../../server/api/routers/environment';
import { secretRouter } from '../../server/api/routers/settings';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { getRun, startRun } from '../../server/services/runs';
import { getPullRequest, listPullRequests } from '../../server/services/pull-requests';
import { createPublisher } from '../../server/realtime/publish';
import { startJobs, type WorkerRuntime } from '../../jobs/runtime';
import { PLAN_SPEC_JOB } from '../../jobs/plan-spec';

const skip = !bwrapAvailable() || detectCgroups().version === 0;
if (skip) console.warn('[env web flow] skipped: bubblewrap with usable cgroups is needed');

const TOKEN = `npm_tok_${randomBytes(12).toString('hex')}`;
/** A piece of the token the sandbox probe greps for (the whole token would itself be redacted). */
const FRAGMENT = TOKEN.slice(8, 20);

const SPEC = `# Human-readable durations

## What to build
Add a \`parseDuration(text)\` function in \`src/duration.js\` that turns "2s" or "1m" into
milliseconds using the project's \`ms\` dependency, exported as a CommonJS module, with unit tests
in \`test/duration.test.js\` run by \`npm test\`.

## What not to build
- No formatting of milliseconds back into text.
- No new dependency besides \`ms\`, which the project already declares.

## Acceptance criteria
1. \`parseDuration("2s")\` returns 2000.
2. \`parseDuration("1m")\` returns 60000.
3. \`parseDuration("soon")\` throws a TypeError naming the text it could not read.

## Dependencies and contracts
- \`ms\` 2.1.3 from the npm registry (already in package.json and package-lock.json).
- Exported as \`module.exports = { parseDuration }\` from \`src/duration.js\`.

## Test expectations
- \`test/duration.test.js\` covers each acceptance criterion and is run by \`npm test\`.
- \`npm test\` exits 0 in the sandbox with every test passing.

## UI/UX
None: a library function without any user interface.
`;

const DURATION_JS = `const ms = require('ms');\n\nfunction parseDuration(text) {\n  const n = ms(text);\n  if (n === undefined) throw new TypeError(\`cannot read a duration in "\${text}"\`);\n  return n;\n}\n\nmodule.exports = { parseDuration };\n`;
const DURATION_TEST = `const { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { parseDuration } = require('../src/duration.js');\n\ntest('2s', () => assert.equal(parseDuration('2s'), 2000));\ntest('1m', () => assert.equal(parseDuration('1m'), 60000));\ntest('soon', () => assert.throws(() => parseDuration('soon'), /soon/));\n`;
/** Prints TOKEN-IN-SANDBOX or no-token-in-sandbox (spelt apart so the echoed command matches neither). */
const PROBE = `if env | grep -q ${FRAGMENT} || grep -rqs ${FRAGMENT} /run /tmp /etc /workspace; then printf 'TOKEN-%s\\n' IN-SANDBOX; else printf 'no-token-%s\\n' in-sandbox; fi`;

type Msg = { role: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));
const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });

/** The scripted team: each role acts by how many turns it already took in its conversation. */
function team(body: Record<string, unknown>): Turn {
  const messages = (body.messages ?? []) as Msg[];
  const role = /Role: (\w+)/.exec(messages.filter((m) => m.role === 'system').map((m) => text(m.content)).join('\n'))?.[1];
  const step = messages.filter((m) => m.role === 'assistant').length;
  const lastTool = text(messages.filter((m) => m.role === 'tool').at(-1)?.content);
  switch (role) {
    case 'planner':
      if (step === 0)
        return call('submit_plan', {
          tasks: [{ id: 'T1', title: 'Add parseDuration', description: 'parseDuration(text) in src/duration.js using ms, with tests in test/duration.test.js.', files: ['src/duration.js', 'test/duration.test.js'], dependsOn: [] }],
        });
      return call('finish', { summary: 'One task: T1 adds parseDuration with its tests.' });
    case 'architect':
      return call('finish', { summary: 'parseDuration wraps ms and throws a TypeError when ms cannot read the text; tests in test/duration.test.js run by npm test.' });
    case 'developer':
      if (step === 0)
        return call('apply_code_changes', { changes: [{ path: 'src/duration.js', mode: 'create', content: DURATION_JS }, { path: 'test/duration.test.js', mode: 'create', content: DURATION_TEST }] });
      if (step === 1) return call('run_command', { command: 'npm test' });
      if (step === 2) return call('run_command', { command: PROBE });
      return call('finish', { summary: 'parseDuration added with tests; npm test passes.' });
    case 'qa': {
      if (step === 0) return call('run_command', { command: 'npm test' });
      const exit = /exit code (\d+)/.exec(lastTool)?.[1] ?? '?';
      const evidence = `npm test → exit ${exit}`;
      return call('finish', {
        summary: `${evidence}: every criterion has a passing test.`,
        verdict: exit === '0' ? 'pass' : 'fail',
        // Each criterion cites the run of npm test QA really made (checked against the recording).
        criteria: [
          { criterion: 1, met: exit === '0', evidence: [{ command: 'npm test', ...(exit === '0' ? {} : { exit_code: Number(exit) }), shows: 'test/duration.test.js "2s"' }] },
          { criterion: 2, met: exit === '0', evidence: [{ command: 'npm test', ...(exit === '0' ? {} : { exit_code: Number(exit) }), shows: 'test/duration.test.js "1m"' }] },
          { criterion: 3, met: exit === '0', evidence: [{ command: 'npm test', ...(exit === '0' ? {} : { exit_code: Number(exit) }), shows: 'test/duration.test.js "soon"' }] },
        ],
      });
    }
    case 'reviewer':
      return call('finish', { summary: 'Small and tested.', steelman: 'It adds the one function the spec asks for on the dependency the project already has, with a test per criterion.', verdict: 'approve' });
    default:
      return call('finish', { summary: 'nothing to do' });
  }
}

let t: TestDatabase;
let llm: FakeLlm;
let npm: NpmStandIn;
let jobs: WorkerRuntime;
let root: string;
let repo: string;
let dataDir: string;
const saved: Record<string, string | undefined> = {};

function sh(cwd: string, cmd: string, args: string[]) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8' });
}

describe.skipIf(skip)('environment in the web flow (scheduler, bwrap)', () => {
  beforeAll(async () => {
    t = await createTestDatabase('envflow');
    npm = await startNpmStandIn([{ name: 'ms', version: '2.1.3', files: { 'index.js': MS_SOURCE } }], { requireToken: TOKEN });
    llm = await startFakeLlm({ script: team });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-envflow-'));
    dataDir = path.join(root, 'data');
    repo = path.join(root, 'user-repo');
    const deps = { ms: '2.1.3' };
    fs.mkdirSync(path.join(repo, 'test'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'durations', version: '1.0.0', scripts: { test: 'node --test test/' }, dependencies: deps }, null, 2));
    fs.writeFileSync(path.join(repo, 'package-lock.json'), npm.lockfile({ name: 'durations', version: '1.0.0', dependencies: deps }));
    fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n');
    fs.writeFileSync(path.join(repo, 'test', 'ms.test.js'), "const { test } = require('node:test');\nconst assert = require('node:assert');\ntest('ms is installed', () => assert.strictEqual(require('ms')('2s'), 2000));\n");
    sh(repo, 'git', ['init', '-q', '-b', 'main']);
    sh(repo, 'git', ['add', '.']);
    sh(repo, 'git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
    for (const [k, v] of Object.entries({ NIGHTSHIFT_DATA_DIR: dataDir, OPENAI_BASE_URL: `${llm.url}/v1`, OPENAI_API_KEY: 'sk-test-not-a-real-key-123456', SANDBOX_DRIVER: 'bwrap' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    jobs = await startJobs({ connectionString: t.url, db: t.db, publish: createPublisher(t.db, t.pool) });
  });

  afterAll(async () => {
    await jobs?.stop();
    await llm?.close();
    await npm?.close();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('shows the environment ready, runs the tests with the cached dependencies, and reports both', { timeout: 300_000 }, async () => {
    const user = await createUser(t.db, { name: 'Env', email: 'env-flow@example.com', password: 'env-flow-password' });
    const org = await createOrganization(t.db, { name: 'Env Flow', ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    const project = await createProject(t.db, scope, { name: 'durations', repository: repo });
    // The job queue reaches procedures through the tRPC context, as the web server passes it.
    const env = createCallerFactory(environmentRouter)({ ...userContext(t.db, user.id), boss: jobs.boss });
    const secrets = createCallerFactory(secretRouter)(userContext(t.db, user.id));

    // Settings: the private registry as the npm mirror, its token an organisation secret bound to it.
    const registryHost = `127.0.0.1:${npm.port}`;
    await secrets.set({ orgId: org.id, name: 'NPM_TOKEN', value: TOKEN });
    const registries = await env.setRegistries({ orgId: org.id, extra: [], replaceDefaults: false, urls: { npm: npm.url }, tokens: [{ host: registryHost, secret: 'NPM_TOKEN' }] });
    expect(registries.tokens).toEqual([{ host: registryHost, secret: 'NPM_TOKEN', secretSet: true }]);

    // The project page: nothing yet, then "Set up now" until the card shows the environment ready.
    expect((await env.project({ orgId: org.id, projectId: project.id })).latest).toBeNull();
    expect(await env.setUpNow({ orgId: org.id, projectId: project.id })).toMatchObject({ queued: true });
    await expect.poll(async () => (await env.project({ orgId: org.id, projectId: project.id })).latest?.status ?? 'pending', { timeout: 180_000, interval: 500 }).toMatch(/ready|failed/);
    const card = await env.project({ orgId: org.id, projectId: project.id });
    expect(card.failure?.log ?? null).toBeNull();
    expect(card.latest).toMatchObject({ status: 'ready', cached: false, source: 'detected', command: 'npm ci --no-audit --no-fund', stacks: ['npm'] });
    expect(card.lastInstall?.sizeBytes).toBeGreaterThan(0);
    expect(card.cacheBytes).toBeGreaterThan(0);
    expect(card.toolchain).toEqual([]);
    // The registry got the token; a request without it would have been refused.
    expect(npm.requests).toContain('/ms/-/ms-2.1.3.tgz');
    expect(npm.authorizations.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
    const tarballs = () => npm.requests.filter((p) => p.endsWith('.tgz')).length;
    const installed = tarballs();

    // The spec, planned and run by the scheduler.
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Durations', markdown: SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    await jobs.boss.send(PLAN_SPEC_JOB, { orgId: org.id, specId: spec.id, userId: user.id, model: 'openai:fake' });
    await expect.poll(async () => (await t.db.selectFrom('runs').select('status').where('spec_id', '=', spec.id).executeTakeFirst())?.status, { timeout: 60_000, interval: 200 }).toBe('queued');
    const run = await t.db.selectFrom('runs').select('id').where('spec_id', '=', spec.id).executeTakeFirstOrThrow();
    await startRun(t.db, scope, { runId: run.id });
    await expect.poll(async () => (await getRun(t.db, scope, run.id)).status, { timeout: 180_000, interval: 250 }).toMatch(/succeeded|failed/);
    const done = await getRun(t.db, scope, run.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    // The task's setup: from the cache, before the first role, recorded against run and task.
    const rows = await t.db.selectFrom('env_setups').select(['status', 'cached', 'command', 'task_id', 'log', 'error']).where('run_id', '=', run.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ready', cached: true, command: 'npm ci --no-audit --no-fund' });
    expect(rows[0].task_id).not.toBeNull();
    expect(tarballs()).toBe(installed);

    // The report: the setup step, and npm test → exit 0 as QA's evidence.
    const prs = await listPullRequests(t.db, scope, { runId: run.id });
    expect(prs).toHaveLength(1);
    const pr = await getPullRequest(t.db, scope, prs[0].id);
    expect(pr.body).toContain('Status: **approved**');
    expect(pr.body).toContain('### Environment setup');
    expect(pr.body).toMatch(/- `npm ci --no-audit --no-fund` → ready, from the cache \(no install\) in \d+\.\d s · cache key `[0-9a-f]+` \(before the first role\)/);
    expect(pr.body).toMatch(/- cycle 1: \[`npm test` → exit 0\]\(https?:\/\/[^)]+&record=\d+#recording\)/);
    expect(pr.body).toMatch(/QA \(cycle 1\): met — \[`npm test` → exit 0\]\(https?:\/\/[^)]+#recording\) — test\/duration\.test\.js "2s"/);
    expect(pr.diff).toContain("const ms = require('ms');");

    // The developer's probe found no token anywhere in the task sandbox; the tests ran there.
    const toolOutputs = llm.requests.flatMap((q) => ((q.messages ?? []) as Msg[]).filter((m) => m.role === 'tool').map((m) => text(m.content))).join('\n');
    expect(toolOutputs).toContain('no-token-in-sandbox');
    expect(toolOutputs).not.toContain('TOKEN-IN-SANDBOX');
    expect(toolOutputs).toMatch(/# pass 4/);

    // The token appears nowhere else: model requests, events, setup logs, the report.
    const events = await t.db.selectFrom('events').select('payload').where('run_id', '=', run.id).execute();
    const allSetups = await t.db.selectFrom('env_setups').select(['log', 'error']).where('project_id', '=', project.id).execute();
    for (const [where, content] of [
      ['model requests', JSON.stringify(llm.requests)],
      ['events', JSON.stringify(events)],
      ['setup logs', JSON.stringify(allSetups)],
      ['report', pr.body],
    ] as const) {
      expect(content.includes(TOKEN), `${where} contain the registry token`).toBe(false);
    }
    // (The probe's command names a fragment of the token, so only these two can be checked for it.)
    expect(JSON.stringify(allSetups)).not.toContain(FRAGMENT);
    expect(pr.body).not.toContain(FRAGMENT);
  });

  it('a lockfile that does not install fails the task before its first role, with the installer\'s last lines', { timeout: 300_000 }, async () => {
    const user = await createUser(t.db, { name: 'Bad', email: 'env-bad@example.com', password: 'env-bad-password' });
    const org = await t.db.selectFrom('organizations').select('id').where('name', '=', 'Env Flow').executeTakeFirstOrThrow();
    await t.db.insertInto('memberships').values({ org_id: org.id, user_id: user.id, role: 'member' }).execute();
    const scope = { orgId: org.id, userId: user.id, role: 'member' as const };
    // Locked to a release the registry does not have (a typo'd or unpublished version).
    const bad = path.join(root, 'bad-repo');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'package.json'), JSON.stringify({ name: 'bad', version: '1.0.0', scripts: { test: 'node --test test/' }, dependencies: { ms: '9.9.9' } }));
    fs.writeFileSync(path.join(bad, 'package-lock.json'), npm.lockfile({ name: 'bad', version: '1.0.0', dependencies: { ms: '2.1.3' } }).replaceAll('2.1.3', '9.9.9'));
    sh(bad, 'git', ['init', '-q', '-b', 'main']);
    sh(bad, 'git', ['add', '.']);
    sh(bad, 'git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
    const project = await createProject(t.db, scope, { name: 'bad', repository: bad });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Durations', markdown: SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    await jobs.boss.send(PLAN_SPEC_JOB, { orgId: org.id, specId: spec.id, userId: user.id, model: 'openai:fake' });
    await expect.poll(async () => (await t.db.selectFrom('runs').select('status').where('spec_id', '=', spec.id).executeTakeFirst())?.status, { timeout: 60_000, interval: 200 }).toBe('queued');
    const run = await t.db.selectFrom('runs').select('id').where('spec_id', '=', spec.id).executeTakeFirstOrThrow();
    const roleRequests = (role: string) => llm.requests.filter((q) => JSON.stringify(q.messages ?? []).includes(`Role: ${role}`)).length;
    const architectBefore = roleRequests('architect');
    await startRun(t.db, scope, { runId: run.id });
    await expect.poll(async () => (await getRun(t.db, scope, run.id)).status, { timeout: 180_000, interval: 250 }).toMatch(/succeeded|failed|dead/);
    const task = await t.db.selectFrom('tasks').select(['status', 'error']).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/dependency setup failed: `npm ci --no-audit --no-fund` exited with \d+/);
    expect(task.error).toMatch(/E404|404 Not Found/);
    // No role ran: the failure is the installer's, said first, not MODULE_NOT_FOUND in QA.
    expect(roleRequests('architect')).toBe(architectBefore);
    const row = await t.db.selectFrom('env_setups').select(['status', 'error', 'log']).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.log).toMatch(/E404|404 Not Found/);
    // The card shows the failure with its log.
    const card = await createCallerFactory(environmentRouter)(userContext(t.db, user.id)).project({ orgId: org.id, projectId: project.id });
    expect(card.failure).toMatchObject({ status: 'failed', error: expect.stringMatching(/E404|404 Not Found/) });
  });
});
