import type PgBoss from 'pg-boss';
import { sql } from 'kysely';
import type { DB } from '../../server/db/client';
import type { Publisher } from '../../server/realtime/publish';
import type { RealtimeEvent } from '../../server/realtime/events';
import type { TaskStatus } from '../../server/db/schema';
import { advanceRun } from './advance-run';
import { commitOnce, saveCheckpoint } from './checkpoints';
import { TASK_QUEUE, type SchedulerSettings } from './constants';
import type { TaskJobData } from './enqueue';
import { claimTasks, renewLease, type ClaimedTask, type ClaimedWithCheckpoint } from './lease';
import { LeaseLostError, TaskCancelledError, type Checkpoint, type TaskExecutor, type TaskResult } from './types';
import { getLogger, withLogContext } from '../../server/observability/logger';
import { observeTaskEnded } from '../../server/observability/metrics';

/** What a finished execution tells its queue (pg-boss for the scheduler; nothing for a CLI run). */
export type TaskAck = {
  complete(data: Record<string, unknown>): Promise<void>;
  fail(message: string): Promise<void>;
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
  | { kind: 'lost' };

export type RunningExecution = { taskId: string; stop(why: 'lost' | 'cancelled' | 'timeout'): void };

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
    await executeClaimed(deps, task, bossAck(deps.boss, job.id));
  });
}

function bossAck(boss: PgBoss, jobId: string): TaskAck {
  return {
    complete: (data) => boss.complete(TASK_QUEUE, jobId, data).then(() => undefined, () => undefined),
    fail: (message) => boss.fail(TASK_QUEUE, jobId, { message }).then(() => undefined, () => undefined),
  };
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
  let stopReason: 'lost' | 'cancelled' | 'timeout' | null = null;
  const stop = (why: 'lost' | 'cancelled' | 'timeout') => {
    if (stopReason) return;
    stopReason = why;
    controller.abort(why === 'lost' ? new LeaseLostError(task.id) : new TaskCancelledError(why === 'timeout' ? 'execution timed out' : 'run cancelled'));
  };
  const execution: RunningExecution = { taskId: task.id, stop };
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
        saveCheckpoint: (turn, state) => saveCheckpoint(db, task.id, workerId, turn, state),
        commitOnce: (key, fn) => commitOnce(db, task.id, workerId, key, fn),
        signal: controller.signal,
        publish: async (event) => {
          await deps.publish(task.org_id, event);
        },
      },
      );
    });
    if (stopReason === 'lost') ending = { kind: 'lost' };
    else if (stopReason === 'cancelled') ending = { kind: 'cancelled', reason: 'run cancelled' };
    else if (stopReason === 'timeout') ending = { kind: 'error', error: 'execution timed out' };
    else ending = result.status === 'succeeded' ? { kind: 'succeeded', result } : { kind: 'failed', error: result.error, result };
  } catch (err) {
    if (err instanceof LeaseLostError || stopReason === 'lost') ending = { kind: 'lost' };
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
  const endAttempt = (outcome: 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'retry', error?: string) =>
    db.updateTable('task_attempts').set({ outcome, error: error ?? null, ended_at: now }).where('id', '=', attemptId).execute();
  // Every write below is fenced on the lease: if the reaper gave the task to another worker, this
  // execution's ending is discarded.
  const fenced = () => db.updateTable('tasks').where('id', '=', task.id).where('lease_owner', '=', workerId).where('status', '=', 'running');

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
      return true;
    });
    await endAttempt(res ? 'succeeded' : 'lost');
    await ack.complete(res ? { succeeded: true } : { lost: true });
    if (res) {
      await publishTask(deps, task, 'succeeded');
      await settle(deps, task.run_id);
    }
    return;
  }
  if (ending.kind === 'cancelled') {
    const upd = await fenced().set({ status: 'cancelled', error: ending.reason, finished_at: now, lease_owner: null, lease_expires_at: null, updated_at: now }).executeTakeFirst();
    await endAttempt('cancelled', ending.reason);
    await ack.complete({ cancelled: true });
    if (upd.numUpdatedRows) await publishTask(deps, task, 'cancelled', ending.reason);
    return;
  }
  if (ending.kind === 'failed') {
    // The executor says retrying will not help: fail the task and the run, no retry.
    const r = ending.result;
    const upd = await fenced()
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
    if (upd.numUpdatedRows && r.usage) await addRunUsage(db, task.run_id, r.usage, now);
    await endAttempt('failed', ending.error);
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
  const upd = await fenced()
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
  await endAttempt(dead ? 'failed' : 'retry', ending.error);
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
