import { z } from 'zod';
import type { DB } from '../../server/db/client';
import type { Publisher } from '../../server/realtime/publish';
import type { JobDefinition } from '../definition';
import { PLAN_QUEUE } from './constants';

export const ZPlanRunJob = z.object({ runId: z.string().uuid() });

/**
 * Moves a started run from `planning` to `running`. Safe to run twice: it acts only on a run
 * still in `planning`.
 */
export async function planRun(db: DB, publish: Publisher, runId: string): Promise<'running' | 'failed' | 'skipped'> {
  const run = await db.selectFrom('runs').select(['id', 'org_id', 'spec_id', 'model', 'status']).where('id', '=', runId).executeTakeFirst();
  if (!run || run.status !== 'planning') return 'skipped';
  // Runs are created with their tasks (the planner agent's plan-spec job, a Spec Kit import, the API).
  const count = await countTasks(db, runId);
  if (count === 0) {
    return failRun(db, publish, run.org_id, runId, 'the run has no tasks: create it with a task list (the planner, a Spec Kit import or the API)');
  }
  const upd = await db
    .updateTable('runs')
    .set({ status: 'running', started_at: new Date(), updated_at: new Date() })
    .where('id', '=', runId)
    .where('status', '=', 'planning')
    .executeTakeFirst();
  if (!upd.numUpdatedRows) return 'skipped';
  await publish(run.org_id, { type: 'run.status', runId, status: 'running' });
  return 'running';
}

async function countTasks(db: DB, runId: string): Promise<number> {
  const r = await db.selectFrom('tasks').select(db.fn.countAll<string>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function failRun(db: DB, publish: Publisher, orgId: string, runId: string, reason: string): Promise<'failed'> {
  await db.updateTable('runs').set({ status: 'failed', error: reason, finished_at: new Date(), updated_at: new Date() }).where('id', '=', runId).where('status', '=', 'planning').execute();
  await publish(orgId, { type: 'run.status', runId, status: 'failed', reason });
  return 'failed';
}

/** The planning queue. The scheduler dispatches the run's first wave on its next tick. */
export const planRunJob = {
  id: PLAN_QUEUE,
  payload: ZPlanRunJob,
  queue: { retryLimit: 3, retryDelay: 2, retryBackoff: true, expireInSeconds: 15 * 60 },
  work: { pollingIntervalSeconds: 0.5 },
  async handler(data, ctx, job?: { id: string }) {
    // Sign the run as this worker's to plan, unless the job is stale (the reaper gave the run a new
    // plan job because the worker holding this one was taken for dead).
    const claimed = await ctx.db
      .updateTable('runs')
      .set({ plan_owner: ctx.workerId, updated_at: new Date() })
      .where('id', '=', data.runId)
      .where('status', '=', 'planning')
      .where((eb) => (job?.id ? eb.or([eb('plan_job_id', '=', job.id), eb('plan_job_id', 'is', null)]) : eb.val(true)))
      .executeTakeFirst();
    if (!claimed.numUpdatedRows) return { outcome: 'skipped' };
    return { outcome: await planRun(ctx.db, ctx.publish, data.runId) };
  },
} satisfies JobDefinition<typeof ZPlanRunJob>;
