import { setTimeout as delay } from 'node:timers/promises';
import { guardedFetch } from '../net/outbound';

/** A chat service that says "slow down" gets this many more tries before the notice is dropped. */
export const MAX_RATE_LIMIT_RETRIES = 3;
/** A wait longer than this would stall a worker; the send gives up and reports the rate limit. */
export const MAX_RETRY_WAIT_MS = 30_000;
/** Used when a 429 carries no usable wait. */
export const DEFAULT_RETRY_WAIT_MS = 1_000;
export const REQUEST_TIMEOUT_MS = 10_000;

export type PostResult =
  | { ok: true; status: number; body: string; attempts: number }
  | { ok: false; status: number | null; body: string; attempts: number; error: string };

export type PostOptions = {
  headers?: Record<string, string>;
  /** How long a 429 answer asks us to wait, in ms (each service says it differently). */
  retryAfterMs: (res: Response, body: string) => number | null;
  maxRetries?: number;
  maxWaitMs?: number;
};

/** `Retry-After: <seconds>` (Slack, and Discord's header); HTTP-date form is accepted too. */
export function retryAfterHeaderMs(res: Response): number | null {
  const raw = res.headers.get('retry-after');
  if (!raw) return null;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * POSTs JSON; on 429 waits as long as the service asks (bounded) and tries again. Failures are
 * returned, not thrown: one broken channel must not stop the notice reaching the others.
 */
export async function postJson(url: string, payload: unknown, opts: PostOptions): Promise<PostResult> {
  const maxRetries = opts.maxRetries ?? MAX_RATE_LIMIT_RETRIES;
  const maxWait = opts.maxWaitMs ?? MAX_RETRY_WAIT_MS;
  const body = JSON.stringify(payload);
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    let text: string;
    try {
      res = await guardedFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...(opts.headers ?? {}) },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      return { ok: false, status: null, body: '', attempts: attempt, error: `request failed: ${(err as Error).message}` };
    }
    if (res.status === 429) {
      const wait = opts.retryAfterMs(res, text) ?? DEFAULT_RETRY_WAIT_MS;
      if (attempt > maxRetries) return { ok: false, status: 429, body: text, attempts: attempt, error: `rate limited after ${attempt} attempts` };
      if (wait > maxWait) return { ok: false, status: 429, body: text, attempts: attempt, error: `rate limited: asked to wait ${Math.ceil(wait / 1000)}s` };
      await delay(wait);
      continue;
    }
    if (!res.ok) return { ok: false, status: res.status, body: text, attempts: attempt, error: `HTTP ${res.status}: ${text.slice(0, 200)}` };
    return { ok: true, status: res.status, body: text, attempts: attempt };
  }
}
