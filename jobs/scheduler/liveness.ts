import { sql, type RawBuilder } from 'kysely';
import { LOCK_CLASS } from './constants';

/**
 * Worker liveness through Postgres itself: each worker holds a session advisory lock keyed on its
 * id for as long as its connection lives. When the process dies — even by SIGKILL — the kernel
 * closes its socket, Postgres ends the session and drops the lock within moments, so another worker
 * sees the task's owner is gone on its next reaper tick instead of waiting out the lease.
 */
export const LIVENESS_LOCK_SQL = 'select pg_advisory_lock($1::int, hashtext($2))';

/**
 * `live_workers(key)`: the liveness locks held right now, read once per query (a correlated
 * pg_locks scan per task would repeat the whole lock table for every running task).
 */
export const LIVE_WORKERS_CTE = sql`live_workers as materialized (
  select l.objid::bigint as key from pg_locks l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.classid::bigint = ${LOCK_CLASS}::bigint
)`;

/** SQL condition over `live_workers`: the worker named by `ownerColumn` no longer holds its lock. */
export function ownerIsGone(ownerColumn: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from live_workers w where w.key = (hashtext(${ownerColumn})::bigint & 4294967295))`;
}
