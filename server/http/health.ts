import type { DatabaseRuntime } from '../boot';
import type { WorkerRuntime } from '../../jobs/runtime';
import { queueState } from '../../jobs/runtime';
import { migrationState } from '../db/migrate';

/**
 * The body of GET /api/health. It answers anyone, so a failure is named, not quoted: the database
 * driver's text (hosts, ports, user names) goes to the log (`log`), never into the response.
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
  return { ok, status: ok ? 'ok' : 'degraded', database, queue, uptimeSeconds: Math.round(process.uptime()), checkMs: Date.now() - started };
}
