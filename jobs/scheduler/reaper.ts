import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { DB } from '../../server/db/client';
import type { RealtimeEvent } from '../../server/realtime/events';
import { bossDb } from './boss-tx';
import { PLAN_QUEUE, TASK_QUEUE, type SchedulerSettings } from './constants';
import { insertTaskJobs, newJobId } from './enqueue';
import { LIVE_WORKERS_CTE, ownerIsGone } from './liveness';
import { advanceRun } from './advance-run';
import { BOSS_SCHEMA } from '../boss';

export type ReapOutcome = { requeued: number; plansSent: number; events: Array<{ orgId: string; event: RealtimeEvent }> };

/**
 * Finds work whose worker died and gives it back to the queue:
 *   - running tasks whose owner lost its liveness lock (killed) or let the lease lapse (hung) go
 *     back to `queued` with a fresh job — the next worker resumes from the last checkpoint;
 *   - queued tasks whose job was fetched by a worker that died before claiming get a fresh job;
 *   - started runs waiting in the outbox get their plan-run job, and so do runs whose planning
 *     worker died mid-plan (its job is cancelled and sent again).
 * Safe to run from every worker at once (row locks, skip locked).
 */
export async function reap(db: DB, boss: PgBoss, settings: SchedulerSettings): Promise<ReapOutcome> {
  const events: ReapOutcome['events'] = [];
  const requeued = await db.transaction().execute(async (trx) => {
    const { rows: lost } = await sql<{ id: string; org_id: string; run_id: string; wave: number; failures: number; lease_owner: string; job_id: string | null; run_status: string }>`
      with ${LIVE_WORKERS_CTE}
      select t.id, t.org_id, t.run_id, t.wave, t.failures, t.lease_owner, t.job_id, r.status as run_status
      from tasks t join runs r on r.id = t.run_id
      where t.status = 'running' and r.runner = 'scheduler'
        and (t.lease_expires_at < now() or t.lease_owner is null or ${ownerIsGone(sql.ref('t.lease_owner'))})
      for update of t skip locked
    `.execute(trx);
    const { rows: stale } = await sql<{ id: string; org_id: string; run_id: string; wave: number; failures: number; job_id: string | null }>`
      select t.id, t.org_id, t.run_id, t.wave, t.failures, t.job_id
      from tasks t join runs r on r.id = t.run_id
      where t.status = 'queued' and r.runner = 'scheduler'
        and t.queued_at < now() - ${settings.queuedClaimTimeoutMs}::int * interval '1 millisecond'
        and not exists (select 1 from ${sql.table(`${BOSS_SCHEMA}.job`)} j where j.name = ${TASK_QUEUE} and j.id = t.job_id and j.state in ('created', 'retry'))
      for update of t skip locked
    `.execute(trx);
    if (lost.length === 0 && stale.length === 0) return 0;

    const resend: Array<{ taskId: string; runId: string; orgId: string; jobId: string; failures: number }> = [];
    const oldJobs: string[] = [];
    for (const t of lost) {
      await trx
        .updateTable('task_attempts')
        .set({ outcome: 'lost', ended_at: new Date(), error: 'worker stopped answering' })
        .where('task_id', '=', t.id)
        .where('worker_id', '=', t.lease_owner)
        .where('ended_at', 'is', null)
        .execute();
      if (t.run_status !== 'running') {
        await trx.updateTable('tasks').set({ status: 'cancelled', lease_owner: null, lease_expires_at: null, finished_at: new Date(), updated_at: new Date() }).where('id', '=', t.id).execute();
        events.push({ orgId: t.org_id, event: { type: 'task.status', runId: t.run_id, taskId: t.id, status: 'cancelled', wave: t.wave, reason: 'run cancelled' } });
        if (t.job_id) oldJobs.push(t.job_id);
        continue;
      }
      resend.push({ taskId: t.id, runId: t.run_id, orgId: t.org_id, jobId: newJobId(), failures: t.failures });
      if (t.job_id) oldJobs.push(t.job_id);
      events.push({ orgId: t.org_id, event: { type: 'task.status', runId: t.run_id, taskId: t.id, status: 'queued', wave: t.wave, reason: `worker ${t.lease_owner} was lost; resuming from the last checkpoint` } });
    }
    for (const t of stale) {
      resend.push({ taskId: t.id, runId: t.run_id, orgId: t.org_id, jobId: newJobId(), failures: t.failures });
      if (t.job_id) oldJobs.push(t.job_id);
    }
    for (const r of resend) {
      await trx
        .updateTable('tasks')
        .set({ status: 'queued', job_id: r.jobId, lease_owner: null, lease_expires_at: null, queued_at: new Date(), updated_at: new Date() })
        .where('id', '=', r.taskId)
        .execute();
    }
    // The dead worker's job would otherwise sit active until pg-boss expires it hours later.
    if (oldJobs.length) await boss.cancel(TASK_QUEUE, oldJobs, { db: bossDb(trx) });
    await insertTaskJobs(trx, boss, settings, resend);
    return resend.length;
  });

  const plansSent = await db.transaction().execute(async (trx) => {
    // Started runs in the outbox, and runs whose planning worker died: killed while planning (it
    // signed the run, and its liveness lock is gone) or after fetching the job and before signing
    // (the job sits active with no owner past the claim timeout). pg-boss would only retry those
    // jobs once they expire, many minutes later.
    const { rows: runs } = await sql<{ id: string; plan_job_id: string | null }>`
      with ${LIVE_WORKERS_CTE}
      select r.id, r.plan_job_id from runs r
      where r.status = 'planning' and r.runner = 'scheduler'
        and (
          r.plan_job_id is null
          or (r.plan_owner is not null and ${ownerIsGone(sql.ref('r.plan_owner'))})
          or (r.plan_owner is null and exists (
            select 1 from ${sql.table(`${BOSS_SCHEMA}.job`)} j
            where j.name = ${PLAN_QUEUE} and j.id = r.plan_job_id and j.state = 'active'
              and j.started_on < now() - ${settings.queuedClaimTimeoutMs}::int * interval '1 millisecond'))
        )
      for update of r skip locked
    `.execute(trx);
    if (runs.length === 0) return 0;
    const stale = runs.map((r) => r.plan_job_id).filter((id): id is string => id !== null);
    if (stale.length) await boss.cancel(PLAN_QUEUE, stale, { db: bossDb(trx) });
    const jobs = runs.map((r) => ({ id: newJobId(), name: PLAN_QUEUE, data: { runId: r.id } }));
    await boss.insert(jobs, { db: bossDb(trx) });
    for (let i = 0; i < runs.length; i++) {
      await trx.updateTable('runs').set({ plan_job_id: jobs[i].id, plan_owner: null }).where('id', '=', runs[i].id).execute();
    }
    return runs.length;
  });

  // A worker may die between ending a task and settling its run (last task done, or one failed).
  const unsettled = await db
    .selectFrom('runs')
    .select('id')
    .where('status', '=', 'running')
    .where('runner', '=', 'scheduler')
    .where(({ or, not, exists, selectFrom }) =>
      or([
        not(exists(selectFrom('tasks').select('id').whereRef('tasks.run_id', '=', 'runs.id').where('status', 'in', ['pending', 'blocked', 'queued', 'running']))),
        exists(selectFrom('tasks').select('id').whereRef('tasks.run_id', '=', 'runs.id').where('status', 'in', ['failed', 'dead'])),
      ]),
    )
    .execute();
  for (const r of unsettled) {
    const t = await advanceRun(db, r.id);
    if (t) for (const event of t.events) events.push({ orgId: t.orgId, event });
  }
  return { requeued, plansSent, events };
}
