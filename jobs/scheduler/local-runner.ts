import os from 'node:os';
import crypto from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { DB } from '../../server/db/client';
import type { Publisher } from '../../server/realtime/publish';
import { LOCK_CLASS, schedulerSettings, type SchedulerSettings } from './constants';
import type { ClaimedWithCheckpoint } from './lease';
import { LIVE_WORKERS_CTE, LIVENESS_LOCK_SQL, ownerIsGone } from './liveness';
import { executeClaimed, type RunningExecution, type TaskEndingKind } from './run-task';
import type { TaskExecutor } from './types';

/**
 * A CLI process (`nightshift run`, `nightshift agent`) running the tasks of its own run
 * (`runs.runner = 'cli'`) on the data directory's database, without pg-boss: it holds a liveness
 * lock as a worker does, signs the run (`runs.plan_owner`), claims each task under a lease, and
 * runs the same executor with the same checkpoints and side-effect log as the scheduler. A CLI
 * killed mid-task leaves a task whose owner is gone: `--resume` takes it over and continues from
 * its last checkpoint. The scheduler's dispatcher and reaper leave `cli` runs alone.
 */
export type LocalRunner = {
  workerId: string;
  /** Signs the run as this process's; refused while another live process drives it. */
  claimRun(runId: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Claims and runs one task; `held` when another live process holds it or it is finished. */
  runTask(taskId: string): Promise<TaskEndingKind | 'held'>;
  /**
   * Stops every running task as if this process were gone (Ctrl-C): their leases lapse at once and
   * the run stays open for `--resume`, which continues from their last checkpoints.
   */
  stopAll(): void;
  close(): Promise<void>;
};

export async function startLocalRunner(opts: {
  db: DB;
  connectionString: string;
  executor: TaskExecutor;
  publish: Publisher;
  settings?: Partial<SchedulerSettings>;
  workerId?: string;
}): Promise<LocalRunner> {
  const settings = schedulerSettings(opts.settings);
  const workerId = opts.workerId ?? `cli:${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  // The liveness lock lives on this connection: if the process dies, Postgres drops it.
  const holder = new pg.Client({ connectionString: opts.connectionString, application_name: `nightshift-cli ${workerId}`.slice(0, 63) });
  holder.on('error', () => undefined);
  await holder.connect();
  await holder.query(LIVENESS_LOCK_SQL, [LOCK_CLASS, workerId]);
  const running = new Map<string, Set<RunningExecution>>();
  const { db } = opts;

  return {
    workerId,
    async claimRun(runId) {
      const { rows } = await sql<{ id: string }>`
        with ${LIVE_WORKERS_CTE}
        update runs r set plan_owner = ${workerId}, updated_at = now()
        where r.id = ${runId} and r.runner = 'cli' and r.status in ('planning', 'running')
          and (r.plan_owner is null or r.plan_owner = ${workerId} or ${ownerIsGone(sql.ref('r.plan_owner'))})
        returning r.id
      `.execute(db);
      if (rows[0]) return { ok: true };
      const run = await db.selectFrom('runs').select(['status', 'runner', 'plan_owner']).where('id', '=', runId).executeTakeFirst();
      if (!run) return { ok: false, reason: `no run ${runId}` };
      if (run.runner !== 'cli') return { ok: false, reason: `run ${runId} is run by the server's workers, not by the CLI` };
      if (run.status !== 'planning' && run.status !== 'running') return { ok: false, reason: `run ${runId} is ${run.status}: there is nothing to resume` };
      return { ok: false, reason: `run ${runId} is being run by another live process (${run.plan_owner})` };
    },
    async runTask(taskId) {
      const task = await claimTask(db, taskId, workerId, settings);
      if (!task) return 'held';
      return executeClaimed(
        { db, publish: opts.publish, settings, workerId, executor: opts.executor, running, afterTask: () => undefined, settleRuns: false },
        task,
        { complete: async () => undefined, fail: async () => undefined },
      );
    },
    stopAll() {
      for (const set of running.values()) for (const exec of set) exec.stop('lost');
    },
    async close() {
      await db
        .updateTable('tasks')
        .set({ lease_expires_at: new Date(0) })
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'running')
        .execute()
        .catch(() => undefined);
      await holder.end().catch(() => undefined);
    },
  };
}

/**
 * Takes one task of a CLI run: a waiting one, or a running one whose owner died (its liveness
 * lock is gone) or let its lease lapse. The dead owner's attempt is closed as lost; a new attempt
 * opens, and the task's last checkpoint comes back with it.
 */
async function claimTask(db: DB, taskId: string, workerId: string, settings: SchedulerSettings): Promise<ClaimedWithCheckpoint | null> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<ClaimedWithCheckpoint & { previous_owner: string | null }>`
      with ${LIVE_WORKERS_CTE},
      before as (select id, lease_owner from tasks where id = ${taskId} for update),
      claimed as (
        update tasks t set status = 'running', lease_owner = ${workerId},
          lease_expires_at = now() + ${settings.leaseTtlMs}::int * interval '1 millisecond',
          attempts = t.attempts + 1, started_at = clock_timestamp(), first_started_at = coalesce(t.first_started_at, clock_timestamp()),
          error = null, updated_at = now()
        from runs r, before b
        where t.id = ${taskId} and b.id = t.id and r.id = t.run_id and r.status = 'running' and r.runner = 'cli'
          and (t.status in ('pending', 'blocked', 'queued')
               or (t.status = 'running' and (t.lease_expires_at < now() or t.lease_owner is null or t.lease_owner = ${workerId} or ${ownerIsGone(sql.ref('t.lease_owner'))})))
        returning t.id, t.org_id, t.run_id, t.key, t.title, t.description, t.files, t.repo, t.wave, t.attempts, t.failures, r.model, b.lease_owner as previous_owner
      )
      select c.*, cp.turn as checkpoint_turn, cp.state as checkpoint_state
      from claimed c
      left join lateral (select turn, state from task_checkpoints where task_id = c.id order by turn desc limit 1) cp on true
    `.execute(trx);
    const row = rows[0];
    if (!row) return null;
    if (row.previous_owner) {
      await trx
        .updateTable('task_attempts')
        .set({ outcome: 'lost', ended_at: new Date(), error: 'the process running it stopped answering' })
        .where('task_id', '=', taskId)
        .where('worker_id', '=', row.previous_owner)
        .where('ended_at', 'is', null)
        .execute();
    }
    const attempt = await trx
      .insertInto('task_attempts')
      .values({ task_id: taskId, worker_id: workerId, resumed_from_turn: row.checkpoint_turn })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { previous_owner: _previous, ...task } = row;
    return { ...task, attempt_id: attempt.id };
  });
}
