/**
 * A worker process running the real task executor (the four-role pipeline in worktrees and
 * sandboxes), for the crash test of the executor: pg-boss, the plan-run and dead-letter queues and
 * a scheduler. Prints one JSON line once it takes work.
 *   DATABASE_URL, NIGHTSHIFT_DATA_DIR (its own: another host), OPENAI_BASE_URL, WORKER_ID,
 *   SANDBOX_DRIVER (+ NIGHTSHIFT_* scheduler settings)
 */
import { createDb } from '../../server/db/client';
import { createBoss } from '../../jobs/boss';
import { createPublisher } from '../../server/realtime/publish';
import { planRunJob } from '../../jobs/scheduler/plan-run';
import type { JobDefinition } from '../../jobs/definition';
import { taskDeadLetterJob } from '../../jobs/scheduler/dead-letter';
import { startScheduler } from '../../jobs/scheduler/scheduler';
import { createPipelineExecutor } from '../../server/pipeline/task-executor';
import { dataDir } from '../../server/config';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const url = env('DATABASE_URL');
const { db, pool } = createDb(url);
const boss = createBoss(url);
await boss.start();
const publish = createPublisher(db, pool);
const workerId = env('WORKER_ID');
for (const job of [planRunJob, taskDeadLetterJob] as const) {
  await boss.work(job.id, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const j of jobs) await (job.handler as JobDefinition['handler'])(job.payload.parse(j.data), { db, boss, publish, workerId }, j);
  });
}
const scheduler = await startScheduler({ db, boss, publish, connectionString: url, workerId, executor: createPipelineExecutor({ db, dataDir: dataDir() }), log: () => undefined });
process.stdout.write(`${JSON.stringify({ ready: true, workerId: scheduler.workerId, pid: process.pid })}\n`);
const stop = async () => {
  await scheduler.stop();
  await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
  await db.destroy();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
