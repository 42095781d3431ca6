import pg from 'pg';

/**
 * The start-up lock: one session advisory lock, taken by every process of a deployment around the
 * work that must not run twice at once — applying migrations and creating pg-boss's queues (its
 * `create_queue` attaches a partition to the job table; two processes doing it together deadlock).
 * Its class differs from the scheduler's (worker liveness uses (0x4e53, hashtext(id))), so a
 * process holding it is never mistaken for a live worker.
 */
export const STARTUP_LOCK_CLASS = 0x4e5f;
export const STARTUP_LOCK_KEY = 1;

/**
 * Runs `fn` while holding the start-up lock on its own connection. Held by a session, not a
 * transaction: a process that dies holding it (SIGKILL mid-migration) drops it with its connection,
 * and the next process in line takes over. Says once when it has to wait.
 */
export async function withStartupLock<T>(url: string, what: string, fn: () => Promise<T>, log: (msg: string) => void = () => {}): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'nightshift-startup' });
  client.on('error', () => {});
  await client.connect();
  try {
    const first = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as ok', [STARTUP_LOCK_CLASS, STARTUP_LOCK_KEY]);
    if (!first.rows[0]?.ok) {
      log(`another process holds the start-up lock; waiting to ${what}`);
      await client.query('select pg_advisory_lock($1::int, $2::int)', [STARTUP_LOCK_CLASS, STARTUP_LOCK_KEY]);
    }
    return await fn();
  } finally {
    await client.query('select pg_advisory_unlock($1::int, $2::int)', [STARTUP_LOCK_CLASS, STARTUP_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
