import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { createUser } from '../../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, startRun } from '../../server/services/runs';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from '../pipeline/run-test-support';
import { freePort, getJson, parseExposition, sampleValue, sharedKeys, spawnNightshift, waitFor, type Proc } from './processes';

/**
 * A web process (`nightshift start`, no in-process workers, metrics behind a token) and a
 * `nightshift worker` (metrics and health on NIGHTSHIFT_METRICS_PORT) on one database; one run
 * through the real task executor (worktree, bubblewrap sandbox, four roles against the fake model
 * server). Then: /api/health lists the worker process with its running task, readiness and
 * liveness answer, /api/metrics refuses without the token and shows the run's figures with it,
 * labels carry no tenant values, and the worker's log lines are JSON carrying the run and task ids.
 */
const TOKEN = 'metrics-token-for-the-test-0123456789';
const MODEL = 'openai:gpt-4o-mini';
let t: TestDatabase;
let llm: FakeLlm;
let repo: string;
let root: string;
let web: Proc & { port: number };
let worker: Proc & { metricsPort: number };
const dirs: string[] = [];

/** Held: the architect's first request, until health has shown the worker running the task. */
let release!: () => void;
const released = new Promise<void>((r) => (release = r));
let architectAsked!: () => void;
const architectWaiting = new Promise<void>((r) => (architectAsked = r));

const answer = teamScript({
  architect: architectDesign,
  developer: (ctx) => {
    if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
    if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
    if (ctx.step === 2) return call('run_command', { command: 'npm test' });
    return call('finish', { summary: 'applyDiscount with its range check and tests; npm test passes' });
  },
  qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
  reviewer: () => call('finish', { steelman: 'Small and tested.', verdict: 'approve', summary: 'Approved.' }),
});

beforeAll(async () => {
  t = await createTestDatabase('metrics');
  ({ repo, root } = await makeFixtureRepo());
  let first = true;
  llm = await startFakeLlm({
    script: async (body: Record<string, unknown>): Promise<Turn> => {
      if (first && roleOf(body) === 'architect') {
        first = false;
        architectAsked();
        await released;
      }
      return { ...answer(body), usage: { inputTokens: 1200, outputTokens: 80 } };
    },
  });
  const keys = sharedKeys();
  const common = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nightshift-metrics-${name}-`));
    dirs.push(dir);
    return { ...keys, DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: dir, LOG_LEVEL: 'info', NIGHTSHIFT_HEARTBEAT_INTERVAL_MS: '300' };
  };
  const port = await freePort();
  web = Object.assign(spawnNightshift('web', ['start', '--api-only'], { ...common('web'), PORT: String(port), NIGHTSHIFT_WORKERS: '0', NIGHTSHIFT_METRICS_TOKEN: TOKEN }), { port });
  const metricsPort = await freePort();
  worker = Object.assign(
    spawnNightshift('worker', ['worker'], {
      ...common('worker'),
      NIGHTSHIFT_METRICS_PORT: String(metricsPort),
      NIGHTSHIFT_METRICS_HOST: '127.0.0.1',
      OPENAI_BASE_URL: `${llm.url}/v1`,
      OPENAI_API_KEY: 'sk-test-metrics-key-0123456789',
      SANDBOX_DRIVER: 'bwrap',
      NIGHTSHIFT_REAPER_INTERVAL_MS: '250',
    }),
    { metricsPort },
  );
  await Promise.all([web.waitForLine(/ready on http/), worker.waitForLine(/worker \S+ started/)]);
});

afterAll(async () => {
  await Promise.all([web, worker].filter(Boolean).map((p) => p.stop('SIGKILL')));
  await llm?.close();
  await t?.close();
  removeFixtures();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  void root;
});

describe('operating endpoints of a web and a worker process', () => {
  it('health lists the worker with its task; metrics show the run behind the token; logs are JSON with run and task ids', async () => {
    const user = await createUser(t.db, { name: 'Ops', email: 'ops@metrics.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Metrics Org', ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    await updateOrganizationSettings(t.db, scope, { specThreshold: 0 });
    const project = await createProject(t.db, scope, { name: 'cart', repository: repo });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Cart discounts', markdown: SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [DISCOUNT_TASK], model: MODEL });
    await startRun(t.db, scope, { runId: run.id });

    // While the architect's request is held, the web process's health shows the worker running it.
    await architectWaiting;
    const base = `http://127.0.0.1:${web.port}`;
    const busy = await waitFor('health to list the worker with one active task', async () => {
      const h = await getJson(`${base}/api/health`);
      return h?.status === 200 && h.body.workers?.length === 1 && h.body.workers[0].activeTasks === 1 ? h.body : undefined;
    });
    const w = busy.workers[0];
    expect(Object.keys(w).sort()).toEqual(['activeTasks', 'host', 'id', 'lastHeartbeat', 'pid', 'startedAt']);
    expect(w.host).toBe(os.hostname());
    expect(w.pid).toBe(worker.child.pid);
    expect(Date.parse(w.lastHeartbeat)).toBeGreaterThanOrEqual(Date.parse(w.startedAt));
    release();

    const done = await waitFor('the run to finish', async () => {
      const r = await t.db.selectFrom('runs').select(['status', 'error']).where('id', '=', run.id).executeTakeFirstOrThrow();
      return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
    }, 240_000, 250);
    expect(done).toEqual({ status: 'succeeded', error: null });
    const task = await t.db.selectFrom('tasks').select(['id']).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    await waitFor('the worker to report no active task', async () => {
      const h = await getJson(`${base}/api/health`);
      return h?.body.workers?.[0]?.activeTasks === 0 ? true : undefined;
    });

    // Readiness and liveness, on the web port and on the worker's metrics port.
    for (const b of [base, `http://127.0.0.1:${worker.metricsPort}`]) {
      const ready = await getJson(`${b}/api/health/ready`);
      expect(ready).toMatchObject({ status: 200, body: { ready: true, database: { reachable: true, migrationsPending: [] } } });
      expect(await getJson(`${b}/api/health/live`)).toMatchObject({ status: 200, body: { live: true } });
    }

    // /api/metrics on the web port: the token or nothing.
    expect((await getJson(`${base}/api/metrics`))?.status).toBe(401);
    expect((await getJson(`${base}/api/metrics`, { authorization: 'Bearer wrong-token' }))?.status).toBe(401);
    const webText = await (await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const webM = parseExposition(webText);
    expect(sampleValue(webM, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(webM, 'nightshift_http_request_duration_seconds_count', { route: '/api/health', status: '200' })).toBeGreaterThan(0);
    expect(sampleValue(webM, 'nightshift_queue_depth', { queue: 'run-task' })).toBe(0);
    expect(sampleValue(webM, 'nightshift_runs_active')).toBe(0);
    expect(sampleValue(webM, 'nightshift_socket_connections')).toBe(0);
    expect(sampleValue(webM, 'nightshift_worker_heartbeat_age_seconds', { of: 'newest' })).toBeLessThan(30);

    // The worker's own endpoint (no token on the metrics port): what the run did on it.
    const workerText = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    const m = parseExposition(workerText);
    const modelRequests = llm.requests.length;
    expect(sampleValue(m, 'nightshift_tasks_total', { status: 'succeeded' })).toBe(1);
    expect(sampleValue(m, 'nightshift_task_duration_seconds_count', { status: 'succeeded' })).toBe(1);
    expect(sampleValue(m, 'nightshift_task_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sampleValue(m, 'nightshift_llm_requests_total', { provider: 'openai', status: 'ok' })).toBe(modelRequests);
    expect(sampleValue(m, 'nightshift_llm_latency_seconds_count', { phase: 'first_token' })).toBe(modelRequests);
    expect(sampleValue(m, 'nightshift_llm_latency_seconds_count', { phase: 'total' })).toBe(modelRequests);
    expect(sampleValue(m, 'nightshift_llm_tokens_total', { direction: 'input' })).toBe(1200 * modelRequests);
    expect(sampleValue(m, 'nightshift_llm_tokens_total', { direction: 'output' })).toBe(80 * modelRequests);
    // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    expect(sampleValue(m, 'nightshift_llm_cost_usd_total')).toBeCloseTo(modelRequests * (1200 * 0.15 + 80 * 0.6) / 1e6, 9);
    expect(sampleValue(m, 'nightshift_sandbox_starts_total', { driver: 'bwrap' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'nightshift_sandbox_start_seconds_count', { driver: 'bwrap' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'nightshift_worker_heartbeat_age_seconds', { of: 'self' })).toBeLessThan(30);
    // git calls timed per subcommand: the worktree, the checkpoint commits.
    expect(sampleValue(m, 'nightshift_git_seconds_count', { command: 'worktree' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'nightshift_git_seconds_count', { command: 'commit' })).toBeGreaterThan(0);
    expect(new Set(parseExposition(workerText).filter((x) => x.name === 'nightshift_git_seconds_count').map((x) => x.labels.command)).size).toBeLessThan(42);
    expect(sampleValue(m, 'nightshift_queue_depth', { queue: 'run-task' })).toBe(0);

    // No tenant values in any label of either process.
    for (const text of [webText, workerText]) {
      for (const value of [org.id, org.slug, 'Metrics Org', user.id, 'ops@metrics.test', run.id, task.id, project.id]) expect(text).not.toContain(value);
    }

    // The worker's stdout: JSON lines only; the task's lines carry the run and task ids, the roles theirs.
    const lines = worker.stdout.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['level', 'time', 'msg']));
    expect(lines.find((l) => l.msg === 'task ended')).toMatchObject({ runId: run.id, taskId: task.id, orgId: org.id, outcome: 'succeeded' });
    expect(lines.filter((l) => l.msg === 'role started' && l.runId === run.id && l.taskId === task.id).map((l) => l.role)).toEqual(['architect', 'developer', 'qa', 'reviewer']);
    expect(worker.stdout.join('\n')).not.toContain('sk-test-metrics-key-0123456789');
  }, 420_000);
});
