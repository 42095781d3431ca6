import pg from 'pg';

/**
 * Errors that mean "the server is not there yet" rather than "this will never work": refused or
 * reset connections, a server starting up or shutting down, a database not accepting connections.
 * Wrong passwords, unknown databases and bad URLs are not retried.
 */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03', '57P01', '55000', '53300']);

export function isTransientConnectError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  return /Connection terminated unexpectedly|the database system is (starting up|shutting down)/.test((err as Error)?.message ?? '');
}

export const DEFAULT_DB_WAIT_SECONDS = 60;

/** NIGHTSHIFT_DB_WAIT_SECONDS: how long a starting process waits for its database (0: not at all). */
export function dbWaitSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.NIGHTSHIFT_DB_WAIT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_DB_WAIT_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`NIGHTSHIFT_DB_WAIT_SECONDS must be a number of seconds ≥ 0, got "${raw}"`);
  return n;
}

/**
 * Waits until the database at `url` accepts a connection. Processes of a deployment often start
 * before their database does (a Kubernetes rollout next to a database pod, docker compose): they
 * wait for it, saying so once, instead of crashing into a restart loop. Gives up after `timeoutMs`
 * with the last error.
 */
export async function waitForDatabase(url: string, opts: { timeoutMs: number; log?: (msg: string) => void; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let said = false;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.end().catch(() => {});
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (!isTransientConnectError(err) || Date.now() >= deadline) throw err;
      if (!said) {
        opts.log?.(`waiting for the database (${(err as Error).message}); giving up after ${Math.round(opts.timeoutMs / 1000)} s`);
        said = true;
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
    }
  }
}
