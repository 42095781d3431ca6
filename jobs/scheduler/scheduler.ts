import os from 'node:os';
import crypto from 'node:crypto';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { DB } from '../../server/db/client';
import type { Publisher } from '../../server/realtime/publish';
import { LOCK_CLASS, schedulerSettings, type SchedulerSettings } from './constants';
import { RUN_CANCEL_CHANNEL, TASK_READY_CHANNEL } from '../../server/services/pg-channels';
import { dispatchReady } from './dispatch';
import { reap } from './reaper';
import { ensureSchedulerQueues } from './queues';
import { LIVENESS_LOCK_SQL } from './liveness';
import { runTaskJobs, type RunningExecution } from './run-task';
import { TaskPool } from './task-pool';
import { getLogger, lineLogger } from '../../server/observability/logger';
import type { TaskExecutor } from './types';

export type Scheduler = {
  workerId: string;
  /** Reap lost work and dispatch ready tasks now (also runs on a timer and on NOTIFY). */
  tick(): Promise<void>;
  /** Tasks this process is executing. */
  busy(): number;
  stop(): Promise<void>;
};

export type StartSchedulerOptions = {
  db: DB;
  boss: PgBoss;
  publish: Publisher;
  /** For the dedicated LISTEN + liveness-lock connection. */
  connectionString: string;
  executor: TaskExecutor;
  settings?: Partial<SchedulerSettings>;
  workerId?: string;
  log?: (msg: string) => void;
};

/**
 * Starts this process's part of scheduling: the liveness lock, the task pool, the reaper/dispatch
 * timer and the NOTIFY listener. Any number of processes may run one against the same Postgres;
 * the plan-run and dead-letter queues are served by the ordinary job runtime (jobs/registry).
 */
export async function startScheduler(opts: StartSchedulerOptions): Promise<Scheduler> {
  const settings = schedulerSettings(opts.settings);
  const log = opts.log ?? lineLogger(getLogger({ component: 'scheduler' }), 'warn');
  const workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  await ensureSchedulerQueues(opts.boss, settings);

  // The liveness lock lives on this connection: if the process dies, Postgres drops it.
  const listener = new pg.Client({ connectionString: opts.connectionString, application_name: `nightshift-scheduler ${workerId}`.slice(0, 63) });
  listener.on('error', (err) => log(`listener connection lost: ${err.message}`));
  await listener.connect();
  await listener.query(LIVENESS_LOCK_SQL, [LOCK_CLASS, workerId]);
  await listener.query(`listen ${TASK_READY_CHANNEL}`);
  await listener.query(`listen ${RUN_CANCEL_CHANNEL}`);

  const running = new Map<string, Set<RunningExecution>>();
  let stopped = false;
  let ticking: Promise<void> | null = null;
  let tickAgain = false;

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (ticking) {
      tickAgain = true;
      return ticking;
    }
    ticking = (async () => {
      do {
        tickAgain = false;
        try {
          const reaped = await reap(opts.db, opts.boss, settings);
          const dispatched = await dispatchReady(opts.db, opts.boss, settings);
          for (const e of [...reaped.events, ...dispatched.events]) await opts.publish(e.orgId, e.event).catch(() => {});
          if (reaped.requeued || dispatched.queued) pool.wake();
        } catch (err) {
          if (!stopped) log(`tick failed: ${(err as Error).message}`);
        }
      } while (tickAgain && !stopped);
    })().finally(() => {
      ticking = null;
    });
    return ticking;
  };

  const pool = new TaskPool(
    opts.boss,
    settings.workerSlots,
    (jobs) =>
      runTaskJobs(
        {
          db: opts.db,
          boss: opts.boss,
          publish: opts.publish,
          settings,
          workerId,
          executor: opts.executor,
          running,
          afterTask: () => void tick(),
          log,
        },
        jobs,
      ),
    log,
  );

  listener.on('notification', (msg) => {
    if (msg.channel === TASK_READY_CHANNEL) {
      pool.wake();
      // Also dispatch: a landed producer or a started run may have made tasks ready.
      void tick();
    } else if (msg.channel === RUN_CANCEL_CHANNEL && msg.payload) {
      for (const exec of running.get(msg.payload) ?? []) exec.stop('cancelled');
    }
  });

  const reaperTimer = setInterval(() => void tick(), settings.reaperIntervalMs);
  const pollTimer = setInterval(() => pool.wake(), settings.poolPollMs);
  void tick();
  pool.wake();

  return {
    workerId,
    tick,
    busy: () => pool.busy,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(reaperTimer);
      clearInterval(pollTimer);
      // Running executions give their tasks back; the lease release below lets any worker resume
      // them at once from their last checkpoint.
      for (const set of running.values()) for (const exec of set) exec.stop('lost');
      await pool.stop();
      await ticking?.catch(() => {});
      await opts.db
        .updateTable('tasks')
        .set({ lease_expires_at: new Date(0) })
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'running')
        .execute()
        .catch(() => {});
      await listener.end().catch(() => {});
    },
  };
}
