import type { DatabaseRuntime } from '../boot';
import type { WorkerRuntime } from '../../jobs/runtime';
import { queueState } from '../../jobs/runtime';
import { liveWorkerProcesses } from '../../jobs/worker-processes';
import { migrationState } from '../db/migrate';

/**
 * The bodies of the health endpoints. They answer anyone, so a failure is named, not quoted: the
 * database driver's text (hosts, ports, user names) goes to the log (`log`), never into a response.
 *
 * - `GET /api/health`: everything — database, migrations, queues, the live worker processes of the
 *   deployment (`workers: [{id, host, startedAt, lastHeartbeat, activeTasks}]`).
 * - `GET /api/health/ready` (readiness): the database answers and every migration this version
 *   knows is applied; 503 otherwise (take the process out of the load balancer).
 * - `GET /api/health/live` (liveness): the process answers at all; no database involved, so a
 *   database outage does not get every replica restarted.
 */
export async function healthReport(rt: DatabaseRuntime, jobs: WorkerRuntime | null, log: (msg: string) => void = () => {}) {
  const started = Date.now();
  let database: Record<string, unknown>;
  let ok = true;
  try {
    await rt.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    database = { mode: rt.mode, reachable: true, migrations: await migrationState(rt.db) };
  } catch (err) {
    ok = false;
    log(`health: database check failed: ${(err as Error).message}`);
    database = { mode: rt.mode, reachable: false, error: 'database unreachable (see the server log)' };
  }
  let queue: Record<string, unknown>;
  try {
    queue = await queueState(rt.db, jobs?.boss ?? null);
  } catch (err) {
    ok = false;
    log(`health: queue check failed: ${(err as Error).message}`);
    queue = { state: 'error', error: 'queue state unavailable (see the server log)' };
  }
  let workers: Awaited<ReturnType<typeof liveWorkerProcesses>> | null = null;
  try {
    workers = await liveWorkerProcesses(rt.db);
  } catch (err) {
    log(`health: worker list failed: ${(err as Error).message}`);
  }
  return {
    ok,
    status: ok ? 'ok' : 'degraded',
    database,
    queue,
    workers: (workers ?? []).map((w) => ({ id: w.id, host: w.host, pid: w.pid, startedAt: w.startedAt, lastHeartbeat: w.lastHeartbeat, activeTasks: w.activeTasks })),
    ...(jobs?.scheduler ? { thisProcess: { workerId: jobs.workerId, activeTasks: jobs.scheduler.busy() } } : {}),
    uptimeSeconds: Math.round(process.uptime()),
    checkMs: Date.now() - started,
  };
}

/** Readiness: the database answers and no migration this version knows is pending. */
export async function readinessReport(rt: DatabaseRuntime, log: (msg: string) => void = () => {}): Promise<{ ready: boolean; database: Record<string, unknown> }> {
  try {
    const { pending, applied } = await migrationState(rt.db);
    return { ready: pending.length === 0, database: { reachable: true, migrationsApplied: applied.length, migrationsPending: pending } };
  } catch (err) {
    log(`readiness: database check failed: ${(err as Error).message}`);
    return { ready: false, database: { reachable: false, error: 'database unreachable (see the server log)' } };
  }
}

/** Liveness: answering is the proof. */
export function livenessReport() {
  return { live: true, pid: process.pid, uptimeSeconds: Math.round(process.uptime()) };
}
