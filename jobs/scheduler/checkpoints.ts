import { sql } from 'kysely';
import type { DB } from '../../server/db/client';
import { LeaseLostError } from './types';

/**
 * Saves a turn's state, fenced by the lease: a worker that lost its task (it stalled past the
 * lease and another worker resumed) cannot write over the new owner's history.
 */
export async function saveCheckpoint(db: DB, taskId: string, workerId: string, turn: number, state: unknown): Promise<void> {
  if (!Number.isInteger(turn) || turn < 1) throw new Error(`checkpoint turn must be a positive integer, got ${turn}`);
  const { rows } = await sql<{ turn: number }>`
    insert into task_checkpoints (task_id, turn, state, worker_id)
    select ${taskId}, ${turn}, ${JSON.stringify(state ?? null)}::jsonb, ${workerId}
    where exists (select 1 from tasks where id = ${taskId} and lease_owner = ${workerId} and status = 'running')
    on conflict (task_id, turn) do nothing
    returning turn
  `.execute(db);
  if (rows[0]) return;
  const owned = await db.selectFrom('tasks').select('id').where('id', '=', taskId).where('lease_owner', '=', workerId).executeTakeFirst();
  if (!owned) throw new LeaseLostError(taskId);
  // A turn is checkpointed once: saving it again means an executor repeated finished work.
  throw new Error(`task ${taskId}: turn ${turn} is already checkpointed; resume after the last checkpoint instead of repeating it`);
}

/**
 * Two-phase record of a side effect: `pending` before, `done` with the result after. A later
 * execution that finds `done` returns the stored result; one that finds `pending` calls `fn` with
 * `recovering: true` so it checks whether the effect happened before the crash.
 */
export async function commitOnce<T>(
  db: DB,
  taskId: string,
  workerId: string,
  key: string,
  fn: (info: { key: string; recovering: boolean }) => Promise<T>,
): Promise<T> {
  const existing = await db.selectFrom('task_commits').select(['status', 'result']).where('task_id', '=', taskId).where('key', '=', key).executeTakeFirst();
  if (existing?.status === 'done') return existing.result as T;
  if (!existing) {
    const { rows } = await sql`
      insert into task_commits (task_id, key, worker_id)
      select ${taskId}, ${key}, ${workerId}
      where exists (select 1 from tasks where id = ${taskId} and lease_owner = ${workerId} and status = 'running')
      on conflict do nothing
      returning key
    `.execute(db);
    if (!rows[0]) throw new LeaseLostError(taskId);
  }
  const result = await fn({ key, recovering: Boolean(existing) });
  const done = await db
    .updateTable('task_commits')
    .set({ status: 'done', result: JSON.stringify(result ?? null), completed_at: new Date(), worker_id: workerId })
    .where('task_id', '=', taskId)
    .where('key', '=', key)
    .where('status', '=', 'pending')
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('tasks').select('id').where('id', '=', taskId).where('lease_owner', '=', workerId)),
    )
    .executeTakeFirst();
  if (!done.numUpdatedRows) throw new LeaseLostError(taskId);
  return result;
}
