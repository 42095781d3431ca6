import { sql } from 'kysely';
import type { DB } from '../../server/db/client';
import type { SchedulerSettings } from './constants';

export type ClaimedTask = {
  id: string;
  org_id: string;
  run_id: string;
  key: string;
  title: string;
  description: string;
  files: string[];
  repo: string | null;
  wave: number;
  attempts: number;
  failures: number;
  model: string;
};

export type ClaimedWithCheckpoint = ClaimedTask & { attempt_id: string; checkpoint_turn: number | null; checkpoint_state: unknown };

/**
 * Takes fetched tasks for this worker in one statement: only queued tasks, or running ones whose
 * lease ran out, of running runs. Opens an attempt row for each and reads its last checkpoint, so
 * a worker that fetched 100 jobs starts them after one round trip instead of three hundred. A task
 * missing from the answer is held by another worker or finished: its job is a stale duplicate.
 */
export async function claimTasks(db: DB, taskIds: string[], workerId: string, settings: SchedulerSettings): Promise<Map<string, ClaimedWithCheckpoint>> {
  if (taskIds.length === 0) return new Map();
  const { rows } = await sql<ClaimedWithCheckpoint>`
    with claimed as (
      update tasks t set status = 'running', lease_owner = ${workerId},
        lease_expires_at = now() + ${settings.leaseTtlMs}::int * interval '1 millisecond',
        attempts = t.attempts + 1, started_at = clock_timestamp(), first_started_at = coalesce(t.first_started_at, clock_timestamp()),
        error = null, updated_at = now()
      from runs r
      where t.id = any(${taskIds}::uuid[]) and r.id = t.run_id and r.status = 'running'
        and (t.status = 'queued' or (t.status = 'running' and t.lease_expires_at < now()))
      returning t.id, t.org_id, t.run_id, t.key, t.title, t.description, t.files, t.repo, t.wave, t.attempts, t.failures, r.model
    ),
    with_cp as (
      select c.*, cp.turn as checkpoint_turn, cp.state as checkpoint_state
      from claimed c
      left join lateral (select turn, state from task_checkpoints where task_id = c.id order by turn desc limit 1) cp on true
    ),
    attempts as (
      insert into task_attempts (task_id, worker_id, resumed_from_turn)
      select id, ${workerId}, checkpoint_turn from with_cp
      returning id, task_id
    )
    select w.*, a.id as attempt_id from with_cp w join attempts a on a.task_id = w.id
  `.execute(db);
  return new Map(rows.map((r) => [r.id, r]));
}

export type RenewResult = 'ok' | 'lost' | 'cancelled';

/** Extends the lease; tells the executor to stop when the lease moved on or the run was cancelled. */
export async function renewLease(db: DB, taskId: string, workerId: string, settings: SchedulerSettings): Promise<RenewResult> {
  const { rows } = await sql<{ run_status: string }>`
    update tasks t set lease_expires_at = now() + ${settings.leaseTtlMs}::int * interval '1 millisecond'
    from runs r
    where t.id = ${taskId} and t.lease_owner = ${workerId} and t.status = 'running' and r.id = t.run_id
    returning r.status as run_status
  `.execute(db);
  if (!rows[0]) return 'lost';
  return rows[0].run_status === 'running' ? 'ok' : 'cancelled';
}
