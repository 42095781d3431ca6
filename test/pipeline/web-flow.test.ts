import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { agentTurn } from '../../e2e/support/fake-agents';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject, updateProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { getRun, startRun } from '../../server/services/runs';
import { listPullRequests, getPullRequest } from '../../server/services/pull-requests';
import { createPublisher } from '../../server/realtime/publish';
import { startJobs, type WorkerRuntime } from '../../jobs/runtime';
import { PLAN_SPEC_JOB } from '../../jobs/plan-spec';
import { loadPlanRecording } from '../../server/services/recordings';
import { createChannel } from '../../server/services/notification-channels';
import { startLocalReceiver, type LocalReceiver } from '../../server/notify/testing/local-receiver';

/**
 * The product's flow behind the browser, on real parts: an accepted spec is planned by the planner
 * agent (a pg-boss job), the run is started, the scheduler runs the four-role pipeline on a
 * worktree of a real repository with commands in bubblewrap, and a pull request with its
 * verification report is recorded. The model is the fake LLM server answering per role.
 */
const GOOD_SPEC = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');

let t: TestDatabase;
let llm: FakeLlm;
let jobs: WorkerRuntime;
let repo: string;
let dataDir: string;
let slack: LocalReceiver;
const saved: Record<string, string | undefined> = {};

function sh(cwd: string, cmd: string, args: string[]) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8' });
}

beforeAll(async () => {
  t = await createTestDatabase('flow');
  llm = await startFakeLlm({ script: (body) => agentTurn(body) });
  slack = await startLocalReceiver();
  // The user's repository beside the data directory: nothing inside the data directory (other
  // organisations' mirrors and worktrees) is ever accepted as a repository.
  dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-flow-')), 'data');
  repo = path.join(path.dirname(dataDir), 'user-repo');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'greeter', type: 'module', scripts: { test: 'node --test' } }, null, 2));
  fs.writeFileSync(path.join(repo, 'src', 'index.js'), 'export const version = 1;\n');
  // A web app QA checks in the browser, started from the worktree inside the sandbox.
  fs.writeFileSync(path.join(repo, 'server.mjs'), "import http from 'node:http';\nhttp.createServer((q, s) => { s.setHeader('content-type', 'text/html'); s.end('<title>Greeter</title><h1>Hello</h1>'); }).listen(4391, '127.0.0.1');\n");
  sh(repo, 'git', ['init', '-q', '-b', 'main']);
  sh(repo, 'git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'add', '.']);
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
  await slack?.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await t?.close();
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

describe('spec → plan → run → pull request', () => {
  it('plans with the planner agent, runs the pipeline and records a verified pull request', async () => {
    const user = await createUser(t.db, { name: 'Flow', email: 'flow@example.com', password: 'flow-password' });
    const org = await createOrganization(t.db, { name: 'Flow Org', ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    const project = await createProject(t.db, scope, { name: 'greeter', repository: repo });
    await createChannel(t.db, scope, { kind: 'slack-webhook', name: 'eng', webhookUrl: `${slack.url}/hook` } as never);
    await updateProject(t.db, scope, { projectId: project.id, webTest: { startCommand: 'node server.mjs', url: 'http://127.0.0.1:4391/' } });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Greeting', markdown: GOOD_SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });

    await jobs.boss.send(PLAN_SPEC_JOB, { orgId: org.id, specId: spec.id, userId: user.id, model: 'openai:fake' });
    const run = await expect
      .poll(async () => t.db.selectFrom('runs').select(['id', 'status']).where('spec_id', '=', spec.id).executeTakeFirst(), { timeout: 60_000, interval: 200 })
      .toMatchObject({ status: 'queued' })
      .then(() => t.db.selectFrom('runs').select(['id']).where('spec_id', '=', spec.id).executeTakeFirstOrThrow());
    const preview = await getRun(t.db, scope, run.id);
    expect(preview.waves.map((w) => w.map((task) => task.key))).toEqual([['T1']]);
    // The planner's exchanges are recorded like every task's (it ran before its run existed: the
    // recording is tied to the spec, then to the run): one model record per request it made.
    const plannerRequests = llm.requests.length;
    const plan = await expect
      .poll(async () => loadPlanRecording(t.db, { orgId: org.id, runId: run.id }), { timeout: 30_000, interval: 100 })
      .toMatchObject({ header: { taskKey: 'plan', runId: run.id, model: 'openai:fake' }, ending: { status: 'planned', commit: null } })
      .then(() => loadPlanRecording(t.db, { orgId: org.id, runId: run.id }));
    expect(plan!.entries.filter((e) => e.kind === 'model')).toHaveLength(plannerRequests);
    expect(plan!.entries.filter((e) => e.kind === 'model').every((e) => e.kind === 'model' && e.role === 'planner' && e.digest.system.length > 0 && plan!.blobs.has(e.digest.system))).toBe(true);
    expect(plan!.entries.some((e) => e.kind === 'tool' && e.toolName === 'submit_plan')).toBe(true);
    expect(await t.db.selectFrom('plan_recordings').select(['spec_id', 'org_id']).where('run_id', '=', run.id).execute()).toEqual([{ spec_id: spec.id, org_id: org.id }]);
    expect(JSON.stringify(await t.db.selectFrom('plan_recordings').select(['header', 'lines']).execute())).not.toContain('sk-test-not-a-real-key');

    await startRun(t.db, scope, { runId: run.id });
    await expect
      .poll(async () => (await getRun(t.db, scope, run.id)).status, { timeout: 120_000, interval: 250 })
      .toMatch(/succeeded|failed/);
    const done = await getRun(t.db, scope, run.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    const prs = await listPullRequests(t.db, scope, { runId: run.id });
    expect(prs).toHaveLength(1);
    const pr = await getPullRequest(t.db, scope, prs[0].id);
    expect(pr.branch).toMatch(/^nightshift\/add-a-greet-function-/);
    expect(pr.body).toContain('Status: **approved**');
    expect(pr.body).toContain('node --test');
    expect(pr.body).toContain('steelman: The change adds exactly the function the spec asks for');
    expect(pr.diff).toContain('+export function greet(name)');
    // QA looked at the app, started from the worktree in the sandbox, and the report shows it.
    expect(pr.body).toContain('### Web tester');
    expect(pr.body).toMatch(/open http:\/\/127\.0\.0\.1:4391\/ → 200 "Greeter"/);
    expect(pr.body).toMatch(/screenshot: .*01-home\.png/);
    expect(pr.body).toContain('visual baseline-created: 01-home.png — baseline recorded');
    expect(pr.diff).toContain('visual-baselines/home.png');

    // The user's checkout is untouched; the branch carries the agent's commit with the run trailer.
    expect(sh(repo, 'git', ['status', '--porcelain'])).toBe('');
    expect(fs.existsSync(path.join(repo, 'src', 'greet.js'))).toBe(false);
    const log = sh(repo, 'git', ['log', '-1', '--format=%an%n%B', pr.branch]);
    expect(log).toContain('Nightshift Agent');
    expect(log).toContain(`Nightshift-Run: ${run.id}`);

    // The live stream was recorded for the browser: tool calls, verdicts.
    const events = await t.db.selectFrom('events').select(['type', 'payload']).where('run_id', '=', run.id).orderBy('seq').execute();
    const tools = events.filter((e) => e.type === 'agent.tool').map((e) => (e.payload as { toolName: string }).toolName);
    expect(tools).toEqual(expect.arrayContaining(['apply_code_changes', 'run_command']));
    const edit = events.find((e) => e.type === 'agent.tool' && (e.payload as { toolName: string }).toolName === 'apply_code_changes')!.payload as {
      diffs?: Array<{ path: string; after: string }>;
    };
    expect(edit.diffs?.map((d) => d.path)).toEqual(['src/greet.js', 'test/greet.test.js']);
    expect(edit.diffs?.[0].after).toContain('export function greet(name)');
    expect(events.some((e) => e.type === 'agent.verdict' && (e.payload as { verdict: string }).verdict === 'approve')).toBe(true);
    // Slack heard about the run and its pull request.
    await expect.poll(() => slack.requests.map((r) => r.body).join('\n'), { timeout: 30_000 }).toContain('Add a greet function');
    const slackText = slack.requests.map((r) => r.body).join('\n');
    expect(slackText).toContain(run.id);
    // No secret reached the model.
    expect(JSON.stringify(llm.requests)).not.toContain('sk-test-not-a-real-key');
  });
});
