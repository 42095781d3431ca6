/**
 * Calls `fn(attempt)` until it succeeds, at most `attempts` times, waiting `delayMs` before the
 * second call and doubling the wait after every failure. Resolves with the first result; rejects
 * with the last error.
 *
 * TODO: only calls fn once so far.
 */
export async function retry(fn, { attempts = 3, delayMs = 0 } = {}) {
  return fn(1);
}
