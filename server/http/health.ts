import type { DatabaseRuntime } from '../boot';
import type { WorkerRuntime } from '../../jobs/runtime';
import { queueState } from '../../jobs/runtime';
import { migrationState } from '../db/migrate';

/** The body of GET /api/health: database mode, migration state and queue state. */
export async function healthReport(rt: DatabaseRuntime, jobs: WorkerRuntime | null) {
  const started = Date.now();
  let database: Record<string, unknown>;
  let ok = true;
  try {
    await rt.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    database = { mode: rt.mode, reachable: true, migrations: await migrationState(rt.db) };
  } catch (err) {
    ok = false;
    database = { mode: rt.mode, reachable: false, error: (err as Error).message };
  }
  let queue: Record<string, unknown>;
  try {
    queue = await queueState(rt.db, jobs?.boss ?? null);
  } catch (err) {
    ok = false;
    queue = { state: 'error', error: (err as Error).message };
  }
  return { ok, status: ok ? 'ok' : 'degraded', database, queue, uptimeSeconds: Math.round(process.uptime()), checkMs: Date.now() - started };
}
