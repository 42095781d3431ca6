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
import { releaseTasks, runTaskJobs, type RunningExecution } from './run-task';
import { TaskPool } from './task-pool';
import { getLogger, lineLogger } from '../../server/observability/logger';
import type { TaskExecutor } from './types';

export type Scheduler = {
  workerId: string;
  /** Reap lost work and dispatch ready tasks now (also runs on a timer and on NOTIFY). */
  tick(): Promise<void>;
  /** Tasks this process is executing. */
  busy(): number;
  /**
   * Stops taking tasks and hands the running ones back: with `drainMs`, each finishes its turn in
   * flight and stops at its checkpoint (aborted if it has not within `drainMs`); without, each is
   * aborted now. Then every lease this worker still holds is released (queued again, NOTIFY), so
   * another worker resumes at once instead of after the lease expires.
   */
  stop(drain?: DrainOptions): Promise<DrainOutcome>;
};

export type DrainOptions = {
  /** How long running tasks may take to reach their next checkpoint (0: abort them now). */
  drainMs?: number;
  /** How long aborted executions may take to unwind before their leases are released regardless. */
  unwindMs?: number;
};

/** Tasks running when the stop began, aborted before a checkpoint, and leases released after the wait. */
export type DrainOutcome = { running: number; aborted: number; releasedAfter: number };

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
    async stop(drain: DrainOptions = {}) {
      if (stopped) return { running: 0, aborted: 0, releasedAfter: 0 };
      stopped = true;
      clearInterval(reaperTimer);
      clearInterval(pollTimer);
      pool.halt();
      const executions = () => [...running.values()].flatMap((set) => [...set]);
      const atStart = executions().length;
      const idle = pool.whenIdle().then(() => true);
      const within = (ms: number) => Promise.race([idle, new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, ms)).unref())]);
      let aborted = 0;
      if ((drain.drainMs ?? 0) > 0) {
        // Each running task finishes the turn in flight (its model call, its tools), saves that
        // turn's checkpoint and is handed back; a task that ends meanwhile just ends.
        for (const exec of executions()) exec.handOff();
        if (!(await within(drain.drainMs!))) {
          // Out of time: abort what is left; the next worker repeats its unfinished turn.
          const left = executions();
          aborted = left.length;
          log(`shutdown: ${left.length} task(s) did not reach a checkpoint in ${drain.drainMs} ms; aborting them`);
          for (const exec of left) exec.stop('handoff');
        }
      } else {
        aborted = atStart;
        for (const exec of executions()) exec.stop('handoff');
      }
      await within(drain.unwindMs ?? 5_000);
      await ticking?.catch(() => {});
      // Whatever this worker still leases (an execution that did not unwind in time) goes back to
      // the queue now, for another worker to resume from its last checkpoint.
      const leftovers = await releaseTasks(opts.db, opts.boss, settings, workerId).catch((err) => {
        log(`shutdown: releasing leases failed: ${(err as Error).message}`);
        return [];
      });
      for (const t of leftovers) {
        await opts
          .publish(t.org_id, { type: 'task.status', runId: t.run_id, taskId: t.id, status: 'queued', wave: t.wave, reason: `worker ${workerId} shut down; resuming from the last checkpoint` })
          .catch(() => {});
      }
      await listener.end().catch(() => {});
      return { running: atStart, aborted, releasedAfter: leftovers.length };
    },
  };
}
