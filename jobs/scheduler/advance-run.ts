import type { DB } from '../../server/db/client';
import type { RealtimeEvent } from '../../server/realtime/events';
import { notifyRunCancel } from '../../server/services/pg-channels';

export type RunTransition = { orgId: string; events: RealtimeEvent[] } | null;

/**
 * Settles a run after one of its tasks ended: every task succeeded → the run succeeded; a task
 * failed or went dead → the run fails with that task's reason, its waiting tasks are cancelled and
 * its running ones are told to stop. Otherwise nothing (the dispatcher opens the next wave).
 */
export async function advanceRun(db: DB, runId: string): Promise<RunTransition> {
  return db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('runs').select(['id', 'org_id', 'status']).where('id', '=', runId).forUpdate().executeTakeFirst();
    if (!run || run.status !== 'running') return null;
    const tasks = await trx.selectFrom('tasks').select(['id', 'key', 'status', 'error', 'wave']).where('run_id', '=', runId).execute();
    const broken = tasks.find((t) => t.status === 'failed' || t.status === 'dead');
    const events: RealtimeEvent[] = [];
    if (broken) {
      const reason = `task "${broken.key}" ${broken.status === 'dead' ? 'failed after every retry' : 'failed'}: ${broken.error ?? 'no reason given'}`;
      await trx.updateTable('runs').set({ status: 'failed', error: reason, finished_at: new Date(), updated_at: new Date() }).where('id', '=', runId).execute();
      const cancelled = await trx
        .updateTable('tasks')
        .set({ status: 'cancelled', error: 'run failed', finished_at: new Date(), updated_at: new Date() })
        .where('run_id', '=', runId)
        .where('status', 'in', ['pending', 'blocked', 'queued'])
        .returning(['id', 'wave'])
        .execute();
      await notifyRunCancel(trx, runId);
      for (const c of cancelled) events.push({ type: 'task.status', runId, taskId: c.id, status: 'cancelled', wave: c.wave, reason: 'run failed' });
      events.push({ type: 'run.status', runId, status: 'failed', reason });
    } else if (tasks.length > 0 && tasks.every((t) => t.status === 'succeeded')) {
      await trx.updateTable('runs').set({ status: 'succeeded', finished_at: new Date(), updated_at: new Date() }).where('id', '=', runId).execute();
      events.push({ type: 'run.status', runId, status: 'succeeded' });
    } else {
      return null;
    }
    return { orgId: run.org_id, events };
  });
}
