/**
 * A worker process for the crash test: pg-boss, the plan-run and dead-letter queues and a scheduler
 * running the scripted executor against the fake LLM. Prints one JSON line once it takes work.
 *   DATABASE_URL, FAKE_LLM_URL, COMMIT_LOG, TURNS, COMMIT_EVERY, WORKER_ID (+ NIGHTSHIFT_* settings)
 */
import { createDb } from '../../server/db/client';
import { createBoss } from '../../jobs/boss';
import { createPublisher } from '../../server/realtime/publish';
import { planRunJob } from '../../jobs/scheduler/plan-run';
import type { JobDefinition } from '../../jobs/definition';
import { taskDeadLetterJob } from '../../jobs/scheduler/dead-letter';
import { startScheduler } from '../../jobs/scheduler/scheduler';
import { createScriptedExecutor } from '../../jobs/scheduler/scripted-executor';

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
const scheduler = await startScheduler({
  db,
  boss,
  publish,
  connectionString: url,
  workerId,
  executor: createScriptedExecutor({
    baseUrl: env('FAKE_LLM_URL'),
    turns: Number(env('TURNS')),
    commitEvery: Number(env('COMMIT_EVERY')),
    commitLog: env('COMMIT_LOG'),
  }),
});
process.stdout.write(`${JSON.stringify({ ready: true, workerId: scheduler.workerId, pid: process.pid })}\n`);
const stop = async () => {
  await scheduler.stop();
  await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
  await db.destroy();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
