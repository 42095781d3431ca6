import os from 'node:os';
import crypto from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { DB } from '../server/db/client';
import type { Publisher } from '../server/realtime/publish';
import { createBoss } from './boss';
import { withNotices } from './notice-bridge';
import { JOBS } from './registry';
import { HEARTBEAT_JOB, recordHeartbeat } from './heartbeat';
import type { JobContext } from './definition';
import { startScheduler, type DrainOutcome, type Scheduler } from './scheduler/scheduler';
import { shutdownPlan } from './shutdown';
import type { TaskExecutor } from './scheduler/types';
import { createPipelineExecutor } from '../server/pipeline/task-executor';
import { dataDir } from '../server/config';
import { projectEnvironments } from '../server/env/project-environment';
import { parseDriver } from '../sandbox/index';
import { withStartupLock } from '../server/db/startup-lock';
import { getLogger, lineLogger } from '../server/observability/logger';
import { ensureSchedulerQueues } from './scheduler/queues';
import { PLAN_QUEUE, TASK_DEAD_LETTER_QUEUE, TASK_QUEUE, schedulerSettings } from './scheduler/constants';
import { activeRunCount, newestHeartbeatAgeSeconds, startProcessHeartbeat } from './worker-processes';
import { setMetricsSources } from '../server/observability/metrics';

export type WorkerRuntime = {
  boss: PgBoss;
  workerId: string;
  scheduler: Scheduler | null;
  /**
   * Stops taking jobs; with `graceMs`, running tasks finish their turn in flight and are handed back
   * at their checkpoint (see jobs/shutdown.ts), other jobs get what is left of the grace period.
   * Without it, running tasks are aborted and handed back now.
   */
  stop(opts?: { graceMs?: number }): Promise<DrainOutcome | null>;
};


/**
 * Starts pg-boss and, unless `work: false`, the workers for every job kind. Used inside the web
 * process (default) and by `npm run worker` for scale-out.
 */
export async function startJobs(opts: {
  connectionString: string;
  db: DB;
  publish: Publisher;
  work?: boolean;
  /** What runs a task; the four-role agent pipeline by default. */
  executor?: TaskExecutor;
  log?: (msg: string) => void;
}): Promise<WorkerRuntime> {
  const boss = createBoss(opts.connectionString);
  const workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  try {
    // pg-boss's schema, every queue and the cron schedules, by one process at a time: concurrent
    // createQueue calls (a rollout starting every replica at once) deadlock in Postgres.
    await withStartupLock(
      opts.connectionString,
      'create the job queues',
      async () => {
        await boss.start();
        const existing = new Set((await boss.getQueues()).map((q) => q.name));
        for (const job of JOBS) if (!existing.has(job.id)) await boss.createQueue(job.id, { name: job.id, ...(job.queue ?? {}) });
        await ensureSchedulerQueues(boss, schedulerSettings());
        if (opts.work !== false) for (const job of JOBS) if (job.cron) await boss.schedule(job.id, job.cron, {});
      },
      opts.log,
    );
  } catch (err) {
    // A half-started pg-boss keeps timers and connections open: the process would hang, not exit.
    await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
    throw err;
  }
  try {
    return await startWorking(opts, boss, workerId);
  } catch (err) {
    await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
    throw err;
  }
}

async function startWorking(opts: Parameters<typeof startJobs>[0], boss: PgBoss, workerId: string): Promise<WorkerRuntime> {
  const publish = withNotices(opts.publish, opts.db, boss, lineLogger(getLogger({ component: 'jobs' }), 'error'));
  const ctx: JobContext = { db: opts.db, boss, publish, workerId, connectionString: opts.connectionString };

  if (opts.work !== false) {
    for (const job of JOBS) {
      await boss.work(job.id, { pollingIntervalSeconds: 1, ...(job.work ?? {}) }, async (jobs) => {
        for (const j of jobs) {
          const data = job.payload.parse(j.data ?? {});
          await job.handler(data, ctx, j as PgBoss.Job<unknown>);
        }
      });
    }
    // The first beat is immediate so health shows a live worker without waiting for the minute.
    await recordHeartbeat(opts.db, workerId);
    await boss.send(HEARTBEAT_JOB, {});
  }
  const scheduler =
    opts.work !== false
      ? await startScheduler({
          db: opts.db,
          boss,
          publish,
          connectionString: opts.connectionString,
          // Every task's dependencies are set up (or taken from the cache) before its first role.
          executor: opts.executor ?? createPipelineExecutor({ db: opts.db, dataDir: dataDir(), environment: projectEnvironments(opts.db, dataDir(), parseDriver(process.env.SANDBOX_DRIVER)) }),
          workerId,
        })
      : null;
  // Each process that runs workers beats on its own timer: /api/health lists it with its tasks.
  const heartbeat = scheduler ? await startProcessHeartbeat(opts.db, workerId, () => scheduler.busy(), { log: lineLogger(getLogger({ component: 'jobs' }), 'warn') }) : null;
  setMetricsSources({
    queueDepths: () => queueDepths(boss),
    runsActive: () => activeRunCount(opts.db),
    heartbeatAges: async () => {
      const self = heartbeat?.lastBeatAt();
      const newest = await newestHeartbeatAgeSeconds(opts.db);
      return { ...(self ? { self: (Date.now() - self) / 1000 } : {}), ...(newest !== null ? { newest } : {}) };
    },
  });
  return {
    boss,
    workerId,
    scheduler,
    async stop(stopOpts = {}) {
      const t0 = Date.now();
      const grace = stopOpts.graceMs ?? 0;
      // No new jobs of any kind from now on (planning, setups, evals, cron); running ones go on.
      if (opts.work !== false) await Promise.all(JOBS.map((job) => boss.offWork(job.id).catch(() => {})));
      const outcome = (await scheduler?.stop(shutdownPlan(grace))) ?? null;
      await heartbeat?.stop();
      // Other jobs still running get what is left of the grace period; pg-boss fails (retries) any left after.
      const left = grace > 0 ? grace - (Date.now() - t0) - 500 : 10_000;
      await boss.stop({ graceful: true, wait: true, timeout: Math.max(1_000, left) });
      return outcome;
    },
  };
}

/** Every queue this deployment uses: the job kinds and the scheduler's. */
export function queueNames(): string[] {
  return [...new Set([...JOBS.map((j) => j.id), TASK_QUEUE, TASK_DEAD_LETTER_QUEUE, PLAN_QUEUE])];
}

/** Jobs waiting (created or retrying) per queue. */
export async function queueDepths(boss: PgBoss): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of queueNames()) out[name] = await boss.getQueueSize(name);
  return out;
}

export async function queueState(db: DB, boss: PgBoss | null) {
  const beat = await db
    .selectFrom('worker_heartbeats')
    .select(['worker_id as workerId', 'hostname', 'pid', 'beats', 'last_beat_at as lastBeatAt'])
    .orderBy('last_beat_at', 'desc')
    .limit(10)
    .execute();
  const queues = boss ? await queueDepths(boss) : {};
  return { state: boss ? 'started' : 'not-started', queues, workers: beat, lastHeartbeat: beat[0]?.lastBeatAt ?? null };
}
