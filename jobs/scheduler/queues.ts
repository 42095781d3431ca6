import type PgBoss from 'pg-boss';
import { PLAN_QUEUE, TASK_DEAD_LETTER_QUEUE, TASK_QUEUE, type SchedulerSettings } from './constants';

const ensured = new WeakSet<PgBoss>();

/** Creates the scheduler's queues (dead-letter queue first: the task queue names it). Idempotent. */
export async function ensureSchedulerQueues(boss: PgBoss, settings: SchedulerSettings): Promise<void> {
  if (ensured.has(boss)) return;
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  if (!existing.has(TASK_DEAD_LETTER_QUEUE)) await boss.createQueue(TASK_DEAD_LETTER_QUEUE, { name: TASK_DEAD_LETTER_QUEUE, retryLimit: 0 });
  if (!existing.has(TASK_QUEUE)) {
    await boss.createQueue(TASK_QUEUE, {
      name: TASK_QUEUE,
      retryLimit: settings.taskMaxAttempts - 1,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: settings.taskExpireSeconds,
      deadLetter: TASK_DEAD_LETTER_QUEUE,
    });
  }
  if (!existing.has(PLAN_QUEUE)) await boss.createQueue(PLAN_QUEUE, { name: PLAN_QUEUE, retryLimit: 3, retryDelay: 2, retryBackoff: true, expireInSeconds: 15 * 60 });
  ensured.add(boss);
}
