import type PgBoss from 'pg-boss';
import { sql } from 'kysely';
import type { DB } from '../../server/db/client';
import type { Publisher } from '../../server/realtime/publish';
import type { RealtimeEvent } from '../../server/realtime/events';
import type { TaskStatus } from '../../server/db/schema';
import { advanceRun } from './advance-run';
import { commitOnce, saveCheckpoint } from './checkpoints';
import { TASK_QUEUE, type SchedulerSettings } from './constants';
import { insertTaskJobs, newJobId, type TaskJobData } from './enqueue';
import { bossDb } from './boss-tx';
import { claimTasks, renewLease, type ClaimedTask, type ClaimedWithCheckpoint } from './lease';
import { LeaseLostError, TaskCancelledError, WorkerDrainingError, type Checkpoint, type TaskExecutor, type TaskResult } from './types';
import { getLogger, withLogContext } from '../../server/observability/logger';
import { observeTaskEnded } from '../../server/observability/metrics';

/** What a finished execution tells its queue (pg-boss for the scheduler; nothing for a CLI run). */
export type TaskAck = {
  complete(data: Record<string, unknown>): Promise<void>;
  fail(message: string): Promise<void>;
  /**
   * Gives a task this worker still leases back to the queue at once (the worker is shutting down):
   * queued again with a fresh job, so another worker resumes it from its last checkpoint now rather
   * than after the lease runs out. False when the lease had already moved on. Absent for CLI runs.
   */
  release?(task: ClaimedTask): Promise<boolean>;
};

export type ExecuteDeps = {
  db: DB;
  publish: Publisher;
  settings: SchedulerSettings;
  workerId: string;
  executor: TaskExecutor;
  /** Running executions of this process by run id, so a cancel notification reaches them. */
  running: Map<string, Set<RunningExecution>>;
  /** Called after a task ended, so the next wave or the next queued task moves without waiting. */
  afterTask(): void;
  /**
   * Settle the run after a task ends (the scheduler: a failure fails the run, the last success
   * succeeds it). A CLI run settles itself when its waves are done.
   */
  settleRuns?: boolean;
  log?(msg: string): void;
};

export type RunTaskDeps = ExecuteDeps & {
  boss: PgBoss;
  publish: Publisher;
  settings: SchedulerSettings;
  workerId: string;
  executor: TaskExecutor;
  /** Running executions of this process by run id, so a cancel notification reaches them. */
  running: Map<string, Set<RunningExecution>>;
  /** Called after a task ended, so the next wave or the next queued task moves without waiting. */
  afterTask(): void;
  log?(msg: string): void;
};

type Ending =
  | { kind: 'succeeded'; result: Extract<TaskResult, { status: 'succeeded' }> }
  | { kind: 'failed'; error: string; result: Extract<TaskResult, { status: 'failed' }> }
  | { kind: 'error'; error: string }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'released'; afterTurn: number | null }
  | { kind: 'lost' };

export type StopReason = 'lost' | 'cancelled' | 'timeout' | 'handoff';

export type RunningExecution = {
  taskId: string;
  /** Aborts the executor now. */
  stop(why: StopReason): void;
  /** The worker is shutting down: let the turn in flight finish, then stop right after its checkpoint. */
  handOff(): void;
};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 4000);

/**
 * Runs a batch of fetched task jobs, each on its own: claim the task under a lease, resume from its last checkpoint, run the
 * executor while renewing the lease, then record the ending (fenced by the lease) and tell pg-boss.
 * Retryable failures go back to pg-boss (retry with backoff, dead letter after the last attempt).
 */
export async function runTaskJobs(deps: RunTaskDeps, jobs: Array<PgBoss.Job<TaskJobData>>): Promise<Array<Promise<void>>> {
  const claimed = await claimTasks(deps.db, [...new Set(jobs.map((j) => j.data.taskId))], deps.workerId, deps.settings);
  return jobs.map(async (job) => {
    const task = claimed.get(job.data.taskId);
    // Each task is claimed once even if two of its jobs arrived in the same batch.
    claimed.delete(job.data.taskId);
    if (!task) {
      // A duplicate or stale ticket (the task is done, cancelled, or alive on another worker).
      await deps.boss.complete(TASK_QUEUE, job.id, { skipped: true }).catch(() => {});
      return;
    }
    await executeClaimed(deps, task, bossAck(deps, job.id));
  });
}

function bossAck(deps: RunTaskDeps, jobId: string): TaskAck {
  const { boss } = deps;
  return {
    complete: (data) => boss.complete(TASK_QUEUE, jobId, data).then(() => undefined, () => undefined),
    fail: (message) => boss.fail(TASK_QUEUE, jobId, { message }).then(() => undefined, () => undefined),
    async release(task) {
      const released = await releaseTasks(deps.db, boss, deps.settings, deps.workerId, [task.id]);
      // Released: its job was cancelled with the release; otherwise the lease had moved on.
      if (!released.length) await boss.complete(TASK_QUEUE, jobId, { lost: true }).catch(() => undefined);
      return released.length > 0;
    },
  };
}

/**
 * Puts tasks this worker leases (all of them when `taskIds` is omitted) back to `queued` with a
 * fresh job, in one transaction fenced on the lease; the job insert NOTIFYs the pools, so another
 * worker claims each task within moments and resumes it from its last checkpoint. The failure
 * count is untouched: a hand-over is not a failure.
 */
export type ReleasedTask = { id: string; org_id: string; run_id: string; wave: number };

export async function releaseTasks(db: DB, boss: PgBoss, settings: SchedulerSettings, workerId: string, taskIds?: string[]): Promise<ReleasedTask[]> {
  if (taskIds && taskIds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('tasks')
      .select(['id', 'org_id', 'run_id', 'wave', 'failures', 'job_id'])
      .where('lease_owner', '=', workerId)
      .where('status', '=', 'running')
      .forUpdate();
    if (taskIds) q = q.where('id', 'in', taskIds);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const now = new Date();
    const jobs = rows.map((r) => ({ taskId: r.id, runId: r.run_id, orgId: r.org_id, jobId: newJobId(), failures: r.failures }));
    for (const j of jobs) {
      await trx.updateTable('tasks').set({ status: 'queued', job_id: j.jobId, lease_owner: null, lease_expires_at: null, queued_at: now, updated_at: now }).where('id', '=', j.taskId).execute();
    }
    await trx
      .updateTable('task_attempts')
      .set({ outcome: 'released', ended_at: now, error: 'handed back: the worker is shutting down' })
      .where('task_id', 'in', rows.map((r) => r.id))
      .where('worker_id', '=', workerId)
      .where('ended_at', 'is', null)
      .execute();
    // The old tickets end here, not by pg-boss failing them at shutdown (which would retry them).
    const oldJobs = rows.map((r) => r.job_id).filter((id): id is string => id !== null);
    if (oldJobs.length) await boss.cancel(TASK_QUEUE, oldJobs, { db: bossDb(trx) });
    await insertTaskJobs(trx, boss, settings, jobs);
    return rows.map((r) => ({ id: r.id, org_id: r.org_id, run_id: r.run_id, wave: r.wave }));
  });
}

/** How an execution ended, as recorded. */
export type TaskEndingKind = Ending['kind'];

/**
 * Runs the executor on a task this worker has claimed: resumes from its last checkpoint, renews the
 * lease while it runs (a lost lease or a cancelled run aborts the executor), then records the
 * ending, fenced by the lease.
 */
export async function executeClaimed(deps: ExecuteDeps, task: ClaimedWithCheckpoint, ack: TaskAck): Promise<TaskEndingKind> {
  const { db, settings, workerId } = deps;
  const checkpoint: Checkpoint | null = task.checkpoint_turn !== null ? { turn: task.checkpoint_turn, state: task.checkpoint_state } : null;
  const attempt = { id: task.attempt_id };
  // Not awaited: the executor starts now, the event follows.
  void publishTask(deps, task, 'running', checkpoint ? `resumed after turn ${checkpoint.turn}` : undefined);

  const controller = new AbortController();
  let stopReason: StopReason | null = null;
  let draining = false;
  let lastTurn: number | null = checkpoint?.turn ?? null;
  const stop = (why: StopReason) => {
    if (stopReason) return;
    stopReason = why;
    controller.abort(
      why === 'lost' ? new LeaseLostError(task.id) : why === 'handoff' ? new WorkerDrainingError(task.id) : new TaskCancelledError(why === 'timeout' ? 'execution timed out' : 'run cancelled'),
    );
  };
  const execution: RunningExecution = { taskId: task.id, stop, handOff: () => void (draining = true) };
  let runExecutions = deps.running.get(task.run_id);
  if (!runExecutions) deps.running.set(task.run_id, (runExecutions = new Set()));
  runExecutions.add(execution);
  const renew = setInterval(() => {
    renewLease(db, task.id, workerId, settings)
      .then((r) => r !== 'ok' && stop(r))
      .catch(() => {});
  }, settings.leaseRenewMs);
  const timeout = setTimeout(() => stop('timeout'), settings.taskExpireSeconds * 1000 - settings.leaseTtlMs);

  let ending: Ending;
  const log = getLogger({ component: 'task' });
  const taskStarted = Date.now();
  try {
    // Everything logged while this task runs — by the executor, the agents, the tools — carries its ids.
    const result = await withLogContext({ orgId: task.org_id, runId: task.run_id, taskId: task.id }, () => {
      log.info({ attempt: task.attempts, resumedAfterTurn: checkpoint?.turn ?? null, workerId }, 'task started');
      return deps.executor(
      {
        id: task.id,
        orgId: task.org_id,
        runId: task.run_id,
        key: task.key,
        title: task.title,
        description: task.description,
        files: task.files,
        repo: task.repo,
        wave: task.wave,
        attempt: task.attempts,
        model: task.model,
      },
      {
        checkpoint,
        saveCheckpoint: async (turn, state) => {
          // Nothing is checkpointed once the execution was told to stop: a role cut short must not
          // be saved as the task's state (the next worker resumes from the turn before).
          if (stopReason) throw controller.signal.reason;
          await saveCheckpoint(db, task.id, workerId, turn, state);
          lastTurn = turn;
          // Shutting down: the turn that was in flight is finished and saved; hand the task over.
          if (draining) stop('handoff');
        },
        commitOnce: (key, fn) => commitOnce(db, task.id, workerId, key, fn),
        signal: controller.signal,
        publish: async (event) => {
          await deps.publish(task.org_id, event);
        },
      },
      );
    });
    if (stopReason === 'lost') ending = { kind: 'lost' };
    // Handed over but the executor finished anyway: a success is kept; a failure may be the stop's doing.
    else if (stopReason === 'handoff') ending = result.status === 'succeeded' ? { kind: 'succeeded', result } : { kind: 'released', afterTurn: lastTurn };
    else if (stopReason === 'cancelled') ending = { kind: 'cancelled', reason: 'run cancelled' };
    else if (stopReason === 'timeout') ending = { kind: 'error', error: 'execution timed out' };
    else ending = result.status === 'succeeded' ? { kind: 'succeeded', result } : { kind: 'failed', error: result.error, result };
  } catch (err) {
    if (err instanceof LeaseLostError || stopReason === 'lost') ending = { kind: 'lost' };
    else if (stopReason === 'handoff') ending = { kind: 'released', afterTurn: lastTurn };
    else if (stopReason === 'cancelled') ending = { kind: 'cancelled', reason: 'run cancelled' };
    else ending = { kind: 'error', error: stopReason === 'timeout' ? 'execution timed out' : errorText(err) };
  } finally {
    clearInterval(renew);
    clearTimeout(timeout);
    runExecutions.delete(execution);
    if (runExecutions.size === 0) deps.running.delete(task.run_id);
  }

  await recordEnding(deps, task, attempt.id, ack, ending);
  const ended = { orgId: task.org_id, runId: task.run_id, taskId: task.id, attempt: task.attempts, outcome: ending.kind, durationMs: Date.now() - taskStarted, ...('error' in ending ? { error: ending.error } : {}) };
  observeTaskEnded(ending.kind, ended.durationMs / 1000);
  if (ending.kind === 'error' || ending.kind === 'failed') log.warn(ended, 'task ended');
  else log.info(ended, 'task ended');
  deps.afterTask();
  return ending.kind;
}

async function recordEnding(deps: ExecuteDeps, task: ClaimedTask, attemptId: string, ack: TaskAck, ending: Ending): Promise<void> {
  const { db, settings, workerId } = deps;
  const now = new Date();
  // The attempt ends in the transaction that writes the task's ending: a process killed between two
  // separate writes left a finished task whose attempt never ended (nothing else ends it: the
  // reaper only looks at running tasks) — the multi-process test saw a succeeded task without a
  // succeeded attempt after a SIGKILL.
  const endAttempt = (outcome: 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'retry', error?: string, conn: DB = db) =>
    conn.updateTable('task_attempts').set({ outcome, error: error ?? null, ended_at: now }).where('id', '=', attemptId).execute();
  // Every write below is fenced on the lease: if the reaper gave the task to another worker, this
  // execution's ending is discarded.
  const fenced = (conn: DB = db) => conn.updateTable('tasks').where('id', '=', task.id).where('lease_owner', '=', workerId).where('status', '=', 'running');

  if (ending.kind === 'released') {
    // Back to the queue at once for another worker (the attempt is ended by the release).
    const released = ack.release ? await ack.release(task).catch((err) => (deps.log?.(`release of task ${task.id} failed: ${errorText(err)}`), false)) : false;
    if (!released) {
      await endAttempt('lost', 'the worker shut down');
      if (!ack.release) await ack.complete({ lost: true });
      return;
    }
    await publishTask(deps, task, 'queued', `worker ${workerId} is shutting down; ${ending.afterTurn !== null ? `resuming after turn ${ending.afterTurn}` : 'starting again'} on another worker`);
    return;
  }
  if (ending.kind === 'lost') {
    await endAttempt('lost');
    await ack.complete({ lost: true });
    return;
  }
  if (ending.kind === 'succeeded') {
    const r = ending.result;
    const res = await db.transaction().execute(async (trx) => {
      const upd = await trx
        .updateTable('tasks')
        .set({
          status: 'succeeded',
          result: JSON.stringify({ summary: r.summary ?? null, output: r.output ?? null, usage: r.usage ?? null }),
          branch: r.branch ?? null,
          commit_sha: r.commitSha ?? null,
          finished_at: now,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now,
        })
        .where('id', '=', task.id)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (!upd.numUpdatedRows) return false;
      if (r.usage) await addRunUsage(trx, task.run_id, r.usage, now);
      await endAttempt('succeeded', undefined, trx);
      return true;
    });
    if (!res) await endAttempt('lost');
    await ack.complete(res ? { succeeded: true } : { lost: true });
    if (res) {
      await publishTask(deps, task, 'succeeded');
      await settle(deps, task.run_id);
    }
    return;
  }
  if (ending.kind === 'cancelled') {
    const upd = await db.transaction().execute(async (trx) => {
      const u = await fenced(trx).set({ status: 'cancelled', error: ending.reason, finished_at: now, lease_owner: null, lease_expires_at: null, updated_at: now }).executeTakeFirst();
      await endAttempt('cancelled', ending.reason, trx);
      return u;
    });
    await ack.complete({ cancelled: true });
    if (upd.numUpdatedRows) await publishTask(deps, task, 'cancelled', ending.reason);
    return;
  }
  if (ending.kind === 'failed') {
    // The executor says retrying will not help: fail the task and the run, no retry.
    const r = ending.result;
    const upd = await db.transaction().execute(async (trx) => {
      const u = await fenced(trx)
        .set({
          status: 'failed',
          error: ending.error,
          ...(r.output || r.usage ? { result: JSON.stringify({ summary: null, output: r.output ?? null, usage: r.usage ?? null }) } : {}),
          ...(r.branch ? { branch: r.branch } : {}),
          finished_at: now,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now,
        })
        .executeTakeFirst();
      if (u.numUpdatedRows && r.usage) await addRunUsage(trx, task.run_id, r.usage, now);
      await endAttempt('failed', ending.error, trx);
      return u;
    });
    await ack.complete({ failed: ending.error });
    if (upd.numUpdatedRows) {
      await publishTask(deps, task, 'failed', ending.error);
      await settle(deps, task.run_id);
    }
    return;
  }
  // A thrown error: retry with pg-boss's backoff until the attempts are spent, then dead-letter.
  const failures = task.failures + 1;
  const dead = failures >= settings.taskMaxAttempts;
  const upd = await db.transaction().execute(async (trx) => {
    const u = await fenced(trx)
      .set({
        status: dead ? 'dead' : 'queued',
        failures,
        error: ending.error,
        lease_owner: null,
        lease_expires_at: null,
        queued_at: now,
        ...(dead ? { finished_at: now } : {}),
        updated_at: now,
      })
      .executeTakeFirst();
    await endAttempt(dead ? 'failed' : 'retry', ending.error, trx);
    return u;
  });
  await ack.fail(ending.error);
  if (!upd.numUpdatedRows) return;
  await publishTask(deps, task, dead ? 'dead' : 'queued', dead ? `dead after ${failures} attempts: ${ending.error}` : `retrying after: ${ending.error}`);
  if (dead) await settle(deps, task.run_id);
}

async function addRunUsage(db: DB, runId: string, usage: { inputTokens: number; outputTokens: number; costUsd?: number }, now: Date): Promise<void> {
  await db
    .updateTable('runs')
    .set({
      input_tokens: sql`input_tokens + ${usage.inputTokens}`,
      output_tokens: sql`output_tokens + ${usage.outputTokens}`,
      cost_usd: sql`cost_usd + ${usage.costUsd ?? 0}`,
      updated_at: now,
    })
    .where('id', '=', runId)
    .execute();
}

async function settle(deps: ExecuteDeps, runId: string): Promise<void> {
  if (deps.settleRuns === false) return;
  const t = await advanceRun(deps.db, runId);
  if (t) for (const e of t.events) await deps.publish(t.orgId, e).catch(() => {});
}

async function publishTask(deps: ExecuteDeps, task: ClaimedTask, status: TaskStatus, reason?: string): Promise<void> {
  const event: RealtimeEvent = { type: 'task.status', runId: task.run_id, taskId: task.id, status, wave: task.wave, ...(reason ? { reason } : {}) };
  await deps.publish(task.org_id, event).catch((err) => deps.log?.(`publish failed: ${errorText(err)}`));
}
