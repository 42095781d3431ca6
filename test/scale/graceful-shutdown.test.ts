import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DB } from '../../server/db/client';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { createUser } from '../../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, startRun } from '../../server/services/runs';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from '../pipeline/run-test-support';
import { sharedKeys, spawnNightshift, startStandalonePostgres, waitFor, type Proc, type Standalone } from './processes';

/**
 * Graceful shutdown of real `nightshift worker` processes (the agent pipeline: worktree, bubblewrap
 * sandbox, four roles against the fake model server) on a standalone PostgreSQL.
 *
 *  - drain: the owner of a running task gets SIGTERM while its developer's model call is in flight.
 *    The call finishes, the turn is checkpointed, the task is handed back (attempt `released`) and
 *    the other worker resumes it after that turn — at once, not after the lease (2 minutes here)
 *    runs out — without asking the model that turn again. The owner exits 0.
 *  - grace over: the model call never answers; past the drain part of the grace period the owner
 *    aborts the task, hands it back all the same and exits within the grace period; the next worker
 *    repeats the unfinished turn. Both runs succeed.
 */
const MODEL = 'openai:gpt-4o-mini';
const GRACE_SECONDS = 8;
const LEASE_TTL_MS = 120_000;

let pgs: Standalone;
let db: DB;
let llm: FakeLlm;
let repo: string;
const dirs: string[] = [];
const workers: Array<Proc & { workerId: string }> = [];
const keys = sharedKeys();

type Case = 'drain' | 'grace';
/** Requests per case, role and step (the step: assistant messages so far in that role's conversation). */
const asked = new Map<string, number>();
/** The first developer request of step 1 per case is held until `release[case]` is called. */
const holding: Record<Case, { reached: Promise<void>; reach: () => void; released: Promise<void>; release: () => void }> = {
  drain: gate(),
  grace: gate(),
};

function gate() {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  return { reached, reach, released, release };
}

const script = () =>
  teamScript({
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
const answers: Record<Case, ReturnType<typeof script>> = { drain: script(), grace: script() };

const caseOf = (body: Record<string, unknown>): Case => (JSON.stringify(body.messages ?? []).includes('(grace case)') ? 'grace' : 'drain');
const stepOf = (body: Record<string, unknown>) => ((body.messages ?? []) as Array<{ role: string }>).filter((m) => m.role === 'assistant').length;

function startWorker(name: string): Proc & { workerId: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nightshift-drain-${name}-`));
  dirs.push(dir);
  const p = spawnNightshift(name, ['worker'], {
    ...keys,
    DATABASE_URL: pgs.url,
    NIGHTSHIFT_DATA_DIR: dir,
    LOG_LEVEL: 'info',
    OPENAI_BASE_URL: `${llm.url}/v1`,
    OPENAI_API_KEY: 'sk-test-drain-key-0123456789',
    SANDBOX_DRIVER: 'bwrap',
    NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    NIGHTSHIFT_LEASE_TTL_MS: String(LEASE_TTL_MS),
    NIGHTSHIFT_REAPER_INTERVAL_MS: '250',
  });
  const w = Object.assign(p, { workerId: '' });
  workers.push(w);
  return w;
}

async function started(w: Proc & { workerId: string }) {
  const line = await w.waitForLine(/worker \S+ started/);
  w.workerId = /worker (\S+) started/.exec(line)![1];
}

beforeAll(async () => {
  pgs = await startStandalonePostgres();
  ({ repo } = await makeFixtureRepo());
  llm = await startFakeLlm({
    script: async (body: Record<string, unknown>): Promise<Turn> => {
      const c = caseOf(body);
      const role = roleOf(body);
      const step = stepOf(body);
      const key = `${c}:${role}:${step}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      if (role === 'developer' && step === 1 && asked.get(key) === 1) {
        holding[c].reach();
        await holding[c].released;
      }
      return { ...answers[c](body), usage: { inputTokens: 1000, outputTokens: 50 } };
    },
  });
  const a = startWorker('worker-a');
  const b = startWorker('worker-b');
  await Promise.all([started(a), started(b)]);
  db = createDb(pgs.url).db;
}, 180_000);

afterAll(async () => {
  for (const g of Object.values(holding)) g.release();
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await db?.destroy().catch(() => {});
  await llm?.close();
  await pgs?.stop();
  removeFixtures();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

let orgScope: { orgId: string; userId: string; role: 'owner' } | null = null;

async function startTask(c: Case): Promise<{ runId: string; taskId: string }> {
  if (!orgScope) {
    const user = await createUser(db, { name: 'Ops', email: 'ops@drain.test', password: 'password-123' });
    const org = await createOrganization(db, { name: 'Drain Org', ownerId: user.id });
    orgScope = { orgId: org.id, userId: user.id, role: 'owner' };
    await updateOrganizationSettings(db, orgScope, { specThreshold: 0 });
  }
  const project = await createProject(db, orgScope, { name: `cart-${c}`, repository: repo });
  const spec = await createSpec(db, orgScope, { projectId: project.id, title: `Cart discounts (${c})`, markdown: SPEC });
  await submitSpec(db, orgScope, { specId: spec.id });
  const task = { ...DISCOUNT_TASK, description: `${DISCOUNT_TASK.description} (${c} case)` };
  const { run } = await createRun(db, orgScope, { specId: spec.id, tasks: [task], model: MODEL });
  await startRun(db, orgScope, { runId: run.id });
  const row = await waitFor('the task row', () => db.selectFrom('tasks').select('id').where('run_id', '=', run.id).executeTakeFirst());
  return { runId: run.id, taskId: row.id };
}

async function ownerOf(taskId: string): Promise<Proc & { workerId: string }> {
  const owner = await waitFor('the task to be leased', async () => (await db.selectFrom('tasks').select('lease_owner').where('id', '=', taskId).executeTakeFirst())?.lease_owner);
  const w = workers.find((x) => x.workerId === owner);
  if (!w) throw new Error(`no worker process is ${owner}`);
  return w;
}

async function finished(runId: string) {
  return waitFor('the run to finish', async () => {
    const r = await db.selectFrom('runs').select(['status', 'error']).where('id', '=', runId).executeTakeFirstOrThrow();
    return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  }, 300_000, 250);
}

const attempts = (taskId: string) =>
  db.selectFrom('task_attempts').select(['worker_id', 'outcome', 'error', 'resumed_from_turn', 'started_at', 'ended_at']).where('task_id', '=', taskId).orderBy('id').execute();

function stoppedLine(w: Proc) {
  const line = w.stdout.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } }).find((l) => l?.msg === 'worker stopped');
  if (!line) throw new Error(`${w.name} logged no "worker stopped":\n${w.lines.slice(-30).join('\n')}`);
  return line;
}

describe('graceful shutdown of worker processes (SIGTERM)', () => {
  it('lets the model call in flight finish, checkpoints it and hands the task to another worker at once', async () => {
    const { runId, taskId } = await startTask('drain');
    await holding.drain.reached;
    const owner = await ownerOf(taskId);
    const other = workers.find((w) => w !== owner && w.alive())!;
    const checkpointsBefore = await db.selectFrom('task_checkpoints').select('turn').where('task_id', '=', taskId).execute();

    owner.child.kill('SIGTERM');
    await owner.waitForLine(/SIGTERM: shutting down/);
    // The model answers only now, after the signal: the turn must still be completed and saved.
    holding.drain.release();
    expect(await owner.exited).toEqual({ code: 0, signal: null });
    expect(stoppedLine(owner)).toMatchObject({ tasksRunning: 1, abortedBeforeCheckpoint: 0 });

    expect(await finished(runId)).toEqual({ status: 'succeeded', error: null });
    const [first, second, ...more] = await attempts(taskId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ worker_id: owner.workerId, outcome: 'released' });
    expect(second).toMatchObject({ worker_id: other.workerId, outcome: 'succeeded' });
    // The owner saved the turn whose model call was in flight at SIGTERM, and the other worker went on after it.
    const byOwner = await db.selectFrom('task_checkpoints').select('turn').where('task_id', '=', taskId).where('worker_id', '=', owner.workerId).orderBy('turn', 'desc').execute();
    expect(byOwner.length).toBe(checkpointsBefore.length + 1);
    expect(second.resumed_from_turn).toBe(byOwner[0].turn);
    expect(asked.get('drain:developer:1')).toBe(1);
    expect(asked.get('drain:developer:2')).toBe(1);
    // Resumed at once: well before the released lease would have run out.
    expect(new Date(second.started_at).getTime() - new Date(first.ended_at!).getTime()).toBeLessThan(LEASE_TTL_MS / 4);
    // The task's own log: handed back, not lost.
    const ended = owner.stdout.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'task ended' && l.taskId === taskId);
    expect(ended).toMatchObject({ outcome: 'released', runId });
  }, 420_000);

  it('past the grace period aborts the turn in flight, still hands the task back and exits in time', async () => {
    const c = startWorker('worker-c');
    await started(c);
    const { runId, taskId } = await startTask('grace');
    await holding.grace.reached;
    const owner = await ownerOf(taskId);
    const others = workers.filter((w) => w !== owner && w.alive()).map((w) => w.workerId);

    const sent = Date.now();
    owner.child.kill('SIGTERM');
    // The held model call never answers while the owner lives.
    expect(await owner.exited).toEqual({ code: 0, signal: null });
    // The held call never answers, so only the grace period's abort lets it exit; the margin is
    // for a loaded machine (checkpoint, hand-back and exit after the abort).
    expect(Date.now() - sent).toBeLessThan(GRACE_SECONDS * 1000 + 15_000);
    expect(stoppedLine(owner)).toMatchObject({ tasksRunning: 1, abortedBeforeCheckpoint: 1 });
    holding.grace.release();

    expect(await finished(runId)).toEqual({ status: 'succeeded', error: null });
    const [first, second, ...more] = await attempts(taskId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ worker_id: owner.workerId, outcome: 'released' });
    expect(second.outcome).toBe('succeeded');
    expect(others).toContain(second.worker_id);
    const lastByOwner = await db.selectFrom('task_checkpoints').select('turn').where('task_id', '=', taskId).where('worker_id', '=', owner.workerId).orderBy('turn', 'desc').executeTakeFirstOrThrow();
    expect(second.resumed_from_turn).toBe(lastByOwner.turn);
    // The aborted turn is asked again by the next worker; nothing else is.
    expect(asked.get('grace:developer:1')).toBe(2);
    expect(asked.get('grace:developer:0')).toBe(1);
  }, 420_000);
});
