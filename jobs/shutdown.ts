/**
 * Graceful shutdown timings. On SIGTERM a process stops taking jobs, lets each running task finish
 * the turn in flight and checkpoint it, hands the tasks back to the queue (another worker resumes
 * them at once) and exits — all within NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS.
 */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

/** NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS in milliseconds (default 25 s: inside Kubernetes' default 30 s before SIGKILL). */
export function shutdownGraceMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS must be a number of seconds ≥ 0, got "${raw}"`);
  return Math.round(n * 1000);
}

export type ShutdownPlan = {
  /** Running tasks may take this long to reach their next checkpoint. */
  drainMs: number;
  /** Then aborted executions get this long to unwind before their leases are released regardless. */
  unwindMs: number;
};

/**
 * Splits the grace period: most of it for turns in flight, the rest (up to 5 s, at most 30 %) kept
 * for aborting what is left, releasing the leases and closing connections before the deadline.
 */
export function shutdownPlan(graceMs: number): ShutdownPlan {
  if (graceMs <= 0) return { drainMs: 0, unwindMs: 2_000 };
  const reserve = Math.min(5_000, Math.round(graceMs * 0.3));
  return { drainMs: graceMs - reserve, unwindMs: Math.round(reserve / 2) };
}
