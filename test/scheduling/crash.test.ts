import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createRun, startRun } from '../../server/services/runs';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { createBoss } from '../../jobs/boss';
import { ensureSchedulerQueues } from '../../jobs/scheduler/queues';
import { schedulerSettings } from '../../jobs/scheduler/constants';
import { TURN_PROMPT_RE } from '../../jobs/scheduler/scripted-executor';
import { setupOrg, task, waitFor } from './fixtures';

/**
 * Two worker processes on one Postgres; one is killed with SIGKILL mid-task 20 times (and
 * respawned each time). Every task must complete exactly once, resuming from its checkpoints,
 * without repeating checkpointed turns or duplicating commits.
 */
const KILLS = 20;
/** Tasks per run; runs are added while the kills go on so the victim always has work to die in. */
const TASKS = 4;
const TURNS = 20;
const COMMIT_EVERY = 4;
const TURN_DELAY_MS = 100;
/** Slots of the worker that gets killed, and of the one that survives. */
const VICTIM_SLOTS = 2;
const SURVIVOR_SLOTS = 1;

const here = path.dirname(fileURLToPath(import.meta.url));
let t: TestDatabase;
let llm: FakeLlm;
let dir: string;
const children = new Set<ChildProcess>();
/** LLM requests per "task turn" (the fake server sees every request of both workers). */
const requests = new Map<string, number>();

beforeAll(async () => {
  t = await createTestDatabase('crash');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-crash-'));
  llm = await startFakeLlm({
    script: (body) => {
      const m = TURN_PROMPT_RE.exec(String(body?.messages?.at(-1)?.content ?? ''));
      if (m) requests.set(`${m[1]}#${m[2]}`, (requests.get(`${m[1]}#${m[2]}`) ?? 0) + 1);
      return { text: 'done', usage: { inputTokens: 50, outputTokens: 5 }, faults: { delayHeadersMs: TURN_DELAY_MS } };
    },
  });
  // Install pg-boss's schema and the queues once, before two processes race to do it.
  const boss = createBoss(t.url);
  await boss.start();
  await ensureSchedulerQueues(boss, schedulerSettings());
  await boss.stop({ graceful: false, wait: true, timeout: 2000 });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await llm?.close();
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function spawnWorker(workerId: string, slots: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'crash-worker.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      FAKE_LLM_URL: llm.url,
      COMMIT_LOG: path.join(dir, 'commits.log'),
      TURNS: String(TURNS),
      COMMIT_EVERY: String(COMMIT_EVERY),
      WORKER_ID: workerId,
      NIGHTSHIFT_WORKER_SLOTS: String(slots),
      NIGHTSHIFT_REAPER_INTERVAL_MS: '250',
      NIGHTSHIFT_QUEUED_CLAIM_TIMEOUT_MS: '3000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('"ready":true')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker ${workerId} exited (${code}) before it was ready:\n${stderr}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('crash resume', () => {
  it(`every task completes exactly once while a worker is SIGKILLed ${KILLS} times mid-task`, async () => {
    const { scope, spec } = await setupOrg(t.db);
    await t.db
      .updateTable('organizations')
      .set({ settings: JSON.stringify({ specThreshold: 0, maxConcurrentTasks: VICTIM_SLOTS + SURVIVOR_SLOTS }) })
      .where('id', '=', scope.orgId)
      .execute();
    let runNo = 0;
    const runs: string[] = [];
    const addRun = async () => {
      const keys = Array.from({ length: TASKS }, (_, i) => `r${runNo}t${i}`);
      runNo++;
      // Two waves, so barriers are crossed while workers die.
      const tasks = keys.map((k, i) => task(k, [`src/${k}.ts`], i === TASKS - 1 ? [keys[0]] : []));
      const { run } = await createRun(t.db, scope, { specId: spec.id, tasks, model: 'openai:fake-model' });
      await startRun(t.db, scope, { runId: run.id });
      runs.push(run.id);
    };
    /** Keeps more unfinished tasks than both workers' slots, so the victim always finds work. */
    const topUp = async () => {
      const open = await t.db
        .selectFrom('tasks')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .where('org_id', '=', scope.orgId)
        .where('status', 'not in', ['succeeded', 'failed', 'cancelled', 'dead'])
        .executeTakeFirstOrThrow();
      if (Number(open.n) <= VICTIM_SLOTS + SURVIVOR_SLOTS + 1) await addRun();
    };

    await spawnWorker('survivor', SURVIVOR_SLOTS);
    let victim = await spawnWorker('victim-0', VICTIM_SLOTS);
    await addRun();
    await addRun();

    const lostTasks: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const victimId = `victim-${kill}`;
      // Mid-task: the victim holds a task and has checkpointed a turn of it in this life
      // (every other kill, two turns) — the kill lands inside the next model call or commit.
      const needed = kill % 2 === 0 ? 1 : 2;
      const held = await waitFor(`${victimId} to be mid-task`, async () => {
        await topUp();
        const row = await t.db
          .selectFrom('tasks')
          .innerJoin('task_checkpoints', 'task_checkpoints.task_id', 'tasks.id')
          .select(['tasks.id', 'tasks.key', ({ fn }) => fn.countAll<string>().as('n')])
          .where('tasks.lease_owner', '=', victimId)
          .where('tasks.status', '=', 'running')
          .where('task_checkpoints.worker_id', '=', victimId)
          .groupBy(['tasks.id', 'tasks.key'])
          .having(({ fn }) => fn.countAll(), '>=', needed)
          .executeTakeFirst();
        return row ?? undefined;
      }, 90_000).catch(async (err) => {
        const state = await t.db.selectFrom('tasks').select(['key', 'status', 'lease_owner', 'job_id']).where('org_id', '=', scope.orgId).where('status', '!=', 'succeeded').execute();
        throw new Error(`${(err as Error).message}; unfinished tasks: ${JSON.stringify(state)}`);
      });
      await killed(victim);
      lostTasks.push(held.key);
      // Another worker takes the task back (the liveness lock died with the process).
      await waitFor(`${held.key} to be taken from ${victimId}`, async () => {
        const r = await t.db.selectFrom('tasks').select('lease_owner').where('id', '=', held.id).executeTakeFirstOrThrow();
        return r.lease_owner !== victimId ? true : undefined;
      });
      victim = await spawnWorker(`victim-${kill + 1}`, VICTIM_SLOTS);
    }

    const ends = await waitFor('every run to finish', async () => {
      const r = await t.db.selectFrom('runs').select(['status', 'error']).where('id', 'in', runs).execute();
      return r.every((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status)) ? r : undefined;
    }, 180_000).catch(async (err) => {
      const state = await t.db
        .selectFrom('tasks')
        .select(['key', 'status', 'lease_owner', 'lease_expires_at', 'job_id', 'attempts'])
        .where('run_id', 'in', runs)
        .where('status', '!=', 'succeeded')
        .execute();
      const cps = await t.db.selectFrom('task_checkpoints').select(({ fn }) => fn.countAll<string>().as('n')).execute();
      throw new Error(`${(err as Error).message}; unfinished tasks: ${JSON.stringify(state)}; checkpoints: ${cps[0].n}`);
    });
    expect(ends).toEqual(runs.map(() => ({ status: 'succeeded', error: null })));
    expect(lostTasks).toHaveLength(KILLS);

    const rows = await t.db.selectFrom('tasks').select(['id', 'key', 'status']).where('run_id', 'in', runs).execute();
    expect(rows.map((r) => r.status)).toEqual(Array(TASKS * runs.length).fill('succeeded'));
    const ids = rows.map((r) => r.id);
    const keys = rows.map((r) => r.key);

    // Exactly one successful execution per task; each kill lost at least one execution.
    const attempts = await t.db.selectFrom('task_attempts').select(['task_id', 'outcome', 'worker_id']).where('task_id', 'in', ids).execute();
    for (const id of ids) expect(attempts.filter((a) => a.task_id === id && a.outcome === 'succeeded')).toHaveLength(1);
    expect(attempts.filter((a) => a.outcome === 'lost').length).toBeGreaterThanOrEqual(KILLS);
    expect(attempts.filter((a) => a.outcome === 'failed' || a.outcome === 'retry')).toEqual([]);

    // Checkpoints: turns 1..TURNS once each per task, written in turn order.
    const cps = await t.db.selectFrom('task_checkpoints').select(['task_id', 'turn', 'id']).where('task_id', 'in', ids).orderBy('id').execute();
    for (const id of ids) expect(cps.filter((c) => c.task_id === id).map((c) => c.turn)).toEqual(Array.from({ length: TURNS }, (_, i) => i + 1));

    // Commits: each exactly once, in the "branch history" and in the idempotency table.
    const commitsPerTask = Math.floor(TURNS / COMMIT_EVERY);
    const lines = fs.readFileSync(path.join(dir, 'commits.log'), 'utf8').trim().split('\n');
    const commitKeys = lines.map((l) => l.split(' ')[1]);
    expect(new Set(commitKeys).size).toBe(commitKeys.length);
    expect(commitKeys.length).toBe(ids.length * commitsPerTask);
    const recorded = await t.db.selectFrom('task_commits').select(['status']).where('task_id', 'in', ids).execute();
    expect(recorded.length).toBe(ids.length * commitsPerTask);
    expect(recorded.every((c) => c.status === 'done')).toBe(true);

    // Checkpointed work is not repeated: a turn is asked of the model again only when a kill cut it
    // short, so repeats are bounded by the executions the kills interrupted.
    let repeats = 0;
    for (const k of keys) for (let turn = 1; turn <= TURNS; turn++) {
      const n = requests.get(`${k}#${turn}`) ?? 0;
      expect(n, `${k} turn ${turn}`).toBeGreaterThanOrEqual(1);
      repeats += n - 1;
    }
    const lost = attempts.filter((a) => a.outcome === 'lost').length;
    expect(repeats).toBeLessThanOrEqual(lost);
    console.log(JSON.stringify({ crashTest: { kills: KILLS, runs: runs.length, tasks: ids.length, turns: TURNS, lostExecutions: lost, repeatedTurns: repeats, commits: commitKeys.length } }));
  }, 420_000);
});
