/**
 * Scheduling limits and timings. Every one is a named constant with an environment override so
 * an operator can tune a deployment (and tests can shorten timings) without code changes.
 */
export const TASK_QUEUE = 'run-task';
export const TASK_DEAD_LETTER_QUEUE = 'run-task-dead';
export const PLAN_QUEUE = 'plan-run';


/** Advisory-lock namespace (first int4 key) for worker liveness and the dispatcher. */
export const LOCK_CLASS = 0x4e53; // "NS"
export const DISPATCH_LOCK_KEY = 1;

export const DEFAULTS = {
  /** Tasks queued or running across the whole deployment. */
  globalTaskCap: 200,
  /** Tasks queued or running per organisation (org settings `maxConcurrentTasks` overrides). */
  orgTaskCap: 25,
  /** Tasks one worker process runs at once. */
  workerSlots: 25,
  /** Executions of a task that may fail (throw) before it is dead-lettered. */
  taskMaxAttempts: 3,
  /** First retry delay; pg-boss doubles it per retry (retryBackoff). */
  retryDelaySeconds: 5,
  /** Hard cap on one execution: pg-boss expires the job after this (liveness is the lease's job). */
  taskExpireSeconds: 4 * 60 * 60,
  /** A running task's lease; renewed every `leaseRenewMs` by the executing worker. */
  leaseTtlMs: 30_000,
  leaseRenewMs: 2_000,
  /** How often each worker reaps lost tasks and dispatches ready ones. */
  reaperIntervalMs: 1_000,
  /** Fallback poll of the task queue (NOTIFY wakes the pool at once; this catches retries). */
  poolPollMs: 1_000,
  /** A task queued this long whose job is no longer waiting (fetched by a worker that died) is re-sent. */
  queuedClaimTimeoutMs: 15_000,
} as const;

export type SchedulerSettings = { -readonly [K in keyof typeof DEFAULTS]: number };

const ENV_NAMES: Record<keyof SchedulerSettings, string> = {
  globalTaskCap: 'NIGHTSHIFT_GLOBAL_TASK_CAP',
  orgTaskCap: 'NIGHTSHIFT_ORG_TASK_CAP',
  workerSlots: 'NIGHTSHIFT_WORKER_SLOTS',
  taskMaxAttempts: 'NIGHTSHIFT_TASK_MAX_ATTEMPTS',
  retryDelaySeconds: 'NIGHTSHIFT_TASK_RETRY_DELAY_SECONDS',
  taskExpireSeconds: 'NIGHTSHIFT_TASK_EXPIRE_SECONDS',
  leaseTtlMs: 'NIGHTSHIFT_LEASE_TTL_MS',
  leaseRenewMs: 'NIGHTSHIFT_LEASE_RENEW_MS',
  reaperIntervalMs: 'NIGHTSHIFT_REAPER_INTERVAL_MS',
  poolPollMs: 'NIGHTSHIFT_POOL_POLL_MS',
  queuedClaimTimeoutMs: 'NIGHTSHIFT_QUEUED_CLAIM_TIMEOUT_MS',
};

/** Defaults, then environment, then explicit overrides. A malformed env value is an error, not a silent default. */
export function schedulerSettings(overrides: Partial<SchedulerSettings> = {}, env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const out = { ...DEFAULTS } as SchedulerSettings;
  for (const key of Object.keys(ENV_NAMES) as Array<keyof SchedulerSettings>) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${ENV_NAMES[key]} must be a positive number, got "${raw}"`);
    out[key] = n;
  }
  return { ...out, ...overrides };
}
