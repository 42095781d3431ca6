import os from 'node:os';
import { sql } from 'kysely';
import type { DB } from '../server/db/client';
import { LOCK_CLASS } from './scheduler/constants';

/**
 * Worker processes as an operator sees them: each process that runs workers beats on its own timer
 * (`worker_heartbeats`: started, last beat, tasks running), marks itself stopped on a graceful
 * shutdown, and counts as live while it beats and holds its scheduler liveness lock (dropped by
 * Postgres the moment the process dies, even by SIGKILL).
 */

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** NIGHTSHIFT_HEARTBEAT_INTERVAL_MS: how often each worker process beats (a process is stale after 3 missed beats). */
export function heartbeatIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.NIGHTSHIFT_HEARTBEAT_INTERVAL_MS;
  if (raw === undefined || raw === '') return DEFAULT_HEARTBEAT_INTERVAL_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`NIGHTSHIFT_HEARTBEAT_INTERVAL_MS must be a positive number of milliseconds, got "${raw}"`);
  return n;
}

export type WorkerProcess = { id: string; host: string; pid: number; startedAt: Date; lastHeartbeat: Date; activeTasks: number };

/** One beat of this process: running tasks and now; (re)starts the row's life if it was marked stopped. */
export async function beatProcess(db: DB, workerId: string, activeTasks: number): Promise<void> {
  await db
    .insertInto('worker_heartbeats')
    .values({ worker_id: workerId, hostname: os.hostname(), pid: process.pid, beats: 1, active_tasks: activeTasks })
    .onConflict((oc) =>
      oc.column('worker_id').doUpdateSet({ beats: sql`worker_heartbeats.beats + 1`, last_beat_at: sql`now()`, active_tasks: activeTasks, stopped_at: null }),
    )
    .execute();
}

/** A graceful stop: the process leaves the live list at once rather than after its beats go stale. */
export async function markProcessStopped(db: DB, workerId: string): Promise<void> {
  await db.updateTable('worker_heartbeats').set({ stopped_at: sql`now()`, active_tasks: 0 }).where('worker_id', '=', workerId).execute();
}

/** Worker processes beating within `staleAfterMs` and holding their liveness lock, newest first. */
export async function liveWorkerProcesses(db: DB, staleAfterMs = 3 * heartbeatIntervalMs()): Promise<WorkerProcess[]> {
  const { rows } = await sql<{ worker_id: string; hostname: string; pid: number; started_at: Date; last_beat_at: Date; active_tasks: number }>`
    select h.worker_id, h.hostname, h.pid, h.started_at, h.last_beat_at, h.active_tasks
    from worker_heartbeats h
    where h.stopped_at is null
      and h.last_beat_at > now() - ${staleAfterMs}::int * interval '1 millisecond'
      and exists (
        select 1 from pg_locks l
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.classid::bigint = ${LOCK_CLASS}::bigint
          and l.objid::bigint = (hashtext(h.worker_id)::bigint & 4294967295)
      )
    order by h.started_at desc
  `.execute(db);
  return rows.map((r) => ({ id: r.worker_id, host: r.hostname, pid: r.pid, startedAt: r.started_at, lastHeartbeat: r.last_beat_at, activeTasks: r.active_tasks }));
}

/** Seconds since the freshest heartbeat of any running worker process (null: none ever beat). */
export async function newestHeartbeatAgeSeconds(db: DB): Promise<number | null> {
  const { rows } = await sql<{ age: number | null }>`
    select extract(epoch from now() - max(last_beat_at))::float8 as age from worker_heartbeats where stopped_at is null
  `.execute(db);
  return rows[0]?.age ?? null;
}

/** Runs planning or running, deployment-wide. */
export async function activeRunCount(db: DB): Promise<number> {
  const row = await db.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('n')).where('status', 'in', ['planning', 'running']).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export type ProcessHeartbeat = { stop(): Promise<void>; lastBeatAt(): number | null };

/**
 * Beats now and every `intervalMs` with the tasks `activeTasks()` reports; `stop()` marks the
 * process stopped. A failed beat (database away) is retried on the next tick.
 */
export async function startProcessHeartbeat(db: DB, workerId: string, activeTasks: () => number, opts: { intervalMs?: number; log?: (msg: string) => void } = {}): Promise<ProcessHeartbeat> {
  let last: number | null = null;
  const beat = async () => {
    await beatProcess(db, workerId, activeTasks());
    last = Date.now();
  };
  await beat();
  const timer = setInterval(() => void beat().catch((err) => opts.log?.(`heartbeat failed: ${(err as Error).message}`)), opts.intervalMs ?? heartbeatIntervalMs());
  timer.unref();
  return {
    lastBeatAt: () => last,
    async stop() {
      clearInterval(timer);
      await markProcessStopped(db, workerId).catch(() => {});
    },
  };
}
