import pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createBoss, BOSS_SCHEMA } from '../../jobs/boss';
import { LOCK_CLASS, PLAN_QUEUE, schedulerSettings } from '../../jobs/scheduler/constants';
import { LIVENESS_LOCK_SQL } from '../../jobs/scheduler/liveness';
import { ensureSchedulerQueues } from '../../jobs/scheduler/queues';
import { planRunJob } from '../../jobs/scheduler/plan-run';
import { reap } from '../../jobs/scheduler/reaper';
import { createPublisher } from '../../server/realtime/publish';
import { createRun, startRun } from '../../server/services/runs';
import { setupOrg, task } from './fixtures';

/**
 * A worker killed while planning a run leaves its plan-run job `active` in pg-boss, which would
 * only retry it when the job expires (15 minutes). The reaper tells a dead planner from a live one
 * by its liveness lock and sends the job again at once. No worker consumes jobs here: the test
 * plays the workers' part on the tables, and the reaper is the real one.
 */
let t: TestDatabase;
let boss: PgBoss;
let alive: pg.Client;
const settings = schedulerSettings({ queuedClaimTimeoutMs: 0 });

beforeAll(async () => {
  t = await createTestDatabase('planreap');
  boss = createBoss(t.url);
  await boss.start();
  await ensureSchedulerQueues(boss, settings);
  // A worker that lives: it holds its liveness lock for the whole test.
  alive = new pg.Client({ connectionString: t.url });
  await alive.connect();
  await alive.query(LIVENESS_LOCK_SQL, [LOCK_CLASS, 'alive-worker']);
});

afterAll(async () => {
  await alive?.end();
  await boss?.stop({ graceful: false, wait: true, timeout: 2000 });
  await t?.close();
});

async function planningRun() {
  const { scope, spec } = await setupOrg(t.db);
  const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('a', ['a.ts'])] });
  await startRun(t.db, scope, { runId: run.id });
  // The outbox: the reaper sends the run its plan-run job; a worker fetches it (it is now active).
  await reap(t.db, boss, settings);
  const { plan_job_id } = await t.db.selectFrom('runs').select('plan_job_id').where('id', '=', run.id).executeTakeFirstOrThrow();
  expect(plan_job_id).not.toBeNull();
  const fetched = await boss.fetch(PLAN_QUEUE, { batchSize: 50 });
  expect(fetched.map((j) => j.id)).toContain(plan_job_id);
  return { runId: run.id, jobId: plan_job_id! };
}

const runRow = (id: string) => t.db.selectFrom('runs').select(['status', 'plan_job_id', 'plan_owner']).where('id', '=', id).executeTakeFirstOrThrow();
const jobState = async (id: string) =>
  (await t.pool.query(`select state from ${BOSS_SCHEMA}.job where name = $1 and id = $2`, [PLAN_QUEUE, id])).rows[0]?.state as string | undefined;

describe('the reaper and a planning worker', () => {
  it('sends the plan job again when the worker that signed the run is gone, and cancels the dead one', async () => {
    const { runId, jobId } = await planningRun();
    await t.db.updateTable('runs').set({ plan_owner: 'killed-worker' }).where('id', '=', runId).execute();

    const { plansSent } = await reap(t.db, boss, settings);
    expect(plansSent).toBeGreaterThanOrEqual(1);
    const after = await runRow(runId);
    expect(after).toMatchObject({ status: 'planning', plan_owner: null });
    expect(after.plan_job_id).not.toBe(jobId);
    expect(await jobState(jobId)).toBe('cancelled');
    expect(await jobState(after.plan_job_id!)).toBe('created');

    // Should the old job still be handled somewhere, it no longer plans the run; the new one does.
    const ctx = { db: t.db, boss, publish: createPublisher(t.db, t.pool), workerId: 'alive-worker' };
    expect(await planRunJob.handler({ runId }, ctx, { id: jobId })).toEqual({ outcome: 'skipped' });
    expect((await runRow(runId)).status).toBe('planning');
    expect(await planRunJob.handler({ runId }, ctx, { id: after.plan_job_id! })).toEqual({ outcome: 'running' });
    expect(await runRow(runId)).toMatchObject({ status: 'running', plan_owner: 'alive-worker' });
  });

  it('leaves a run alone while its planner holds its liveness lock, however long planning takes', async () => {
    const { runId, jobId } = await planningRun();
    await t.db.updateTable('runs').set({ plan_owner: 'alive-worker' }).where('id', '=', runId).execute();

    await reap(t.db, boss, settings);
    expect(await runRow(runId)).toEqual({ status: 'planning', plan_job_id: jobId, plan_owner: 'alive-worker' });
    expect(await jobState(jobId)).toBe('active');
  });

  it('sends the plan job again when a worker fetched it and died before signing the run', async () => {
    const { runId, jobId } = await planningRun();
    // plan_owner stays null: the job is active, nobody claimed the run, the claim timeout (0 here) passed.
    await reap(t.db, boss, settings);
    const after = await runRow(runId);
    expect(after.plan_job_id).not.toBe(jobId);
    expect(await jobState(jobId)).toBe('cancelled');
  });
});
