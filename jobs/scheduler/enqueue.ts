import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Database } from '../../server/db/schema';
import { bossDb } from './boss-tx';
import { TASK_DEAD_LETTER_QUEUE, TASK_QUEUE, type SchedulerSettings } from './constants';
import { notifyTaskReady } from '../../server/services/pg-channels';

export type TaskJobData = { taskId: string; runId: string; orgId: string };

/**
 * Creates the pg-boss jobs of tasks just marked queued, in the caller's transaction, and wakes the
 * pools on commit. The retry budget left is carried by the job so pg-boss's own retry/backoff and
 * dead-letter logic agree with the task's `failures` count, even for a job re-sent after a crash.
 */
export async function insertTaskJobs(
  trx: Transaction<Database>,
  boss: PgBoss,
  settings: SchedulerSettings,
  tasks: Array<TaskJobData & { jobId: string; failures: number }>,
): Promise<void> {
  if (tasks.length === 0) return;
  await boss.insert(
    tasks.map((t) => ({
      id: t.jobId,
      name: TASK_QUEUE,
      data: { taskId: t.taskId, runId: t.runId, orgId: t.orgId } satisfies TaskJobData,
      retryLimit: Math.max(0, settings.taskMaxAttempts - 1 - t.failures),
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: settings.taskExpireSeconds,
      deadLetter: TASK_DEAD_LETTER_QUEUE,
    })),
    { db: bossDb(trx) },
  );
  await notifyTaskReady(trx);
}

export const newJobId = () => crypto.randomUUID();
