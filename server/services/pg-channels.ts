import { sql } from 'kysely';
import type { DB } from '../db/client';

/**
 * Postgres NOTIFY channels between the services that change runs and the scheduler's workers
 * that LISTEN (jobs/scheduler/scheduler.ts). Names live here, not in jobs/: services send on them.
 */

/** Tasks were queued (wake the pools) or something may unblock (dispatch again). */
export const TASK_READY_CHANNEL = 'nightshift_task_ready';
/** A cancelled or failed run's id, so its running executors are aborted at once. */
export const RUN_CANCEL_CHANNEL = 'nightshift_run_cancel';

/** Tells every worker to look for ready tasks now (in the caller's transaction, sent on commit). */
export async function notifyTaskReady(db: DB): Promise<void> {
  await sql`select pg_notify(${TASK_READY_CHANNEL}, '')`.execute(db);
}

/** Tells every worker running a task of `runId` to stop it. */
export async function notifyRunCancel(db: DB, runId: string): Promise<void> {
  await sql`select pg_notify(${RUN_CANCEL_CHANNEL}, ${runId})`.execute(db);
}
