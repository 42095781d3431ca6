import { guardedFetch, OutboundBlockedError } from '../net/outbound';
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, retryAfterMs, sleep, type RetryOptions } from './retry-policy';
import type { Vendor } from './dialects/vendors';
import { createStreamDecoder, type StreamDecoder } from './stream-decoder';
import type { Dialect, StreamPart } from './types';

export interface TransportOptions {
  fetch?: typeof fetch;
  retry?: Partial<RetryOptions>;
  /** Longest wait for response headers. */
  connectTimeoutMs?: number;
  /** Longest silence between two body chunks (Anthropic pings every few seconds). */
  idleTimeoutMs?: number;
  /** Source of jitter; tests can make it deterministic. */
  random?: () => number;
}

/** Long enough for a local model to load and a large prompt to be processed. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 120_000;
/** Thinking models can go quiet for a while; this is the point where silence means a dead link. */
export const DEFAULT_IDLE_TIMEOUT_MS = 180_000;
/** Error bodies are quoted in messages; more than this is noise. */
const MAX_ERROR_BODY_CHARS = 500;

export interface HttpStreamRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dialect: Dialect;
  signal?: AbortSignal;
  newId?: (n: number) => string;
  /** Who serves an OpenAI-compatible endpoint (usage rules); read from the stream when absent. */
  vendor?: Vendor;
}

type Outcome = { kind: 'done' } | { kind: 'retry'; delayMs: number };

/**
 * POSTs a streaming request and yields normalised parts. Failures before any content (HTTP
 * 429/5xx, connection errors, an `overloaded` event, a body cut before the first token) are
 * retried with backoff, honouring Retry-After; once content was yielded the stream ends with an
 * `error` part instead, because a retry would duplicate what the caller already showed. Never
 * throws; always ends with a `finish` part.
 */
export async function* httpStream(req: HttpStreamRequest, options: TransportOptions = {}): AsyncGenerator<StreamPart> {
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const doFetch = options.fetch ?? guardedFetch;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const random = options.random ?? Math.random;
  const payload = JSON.stringify(req.body);

  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < retry.maxRetries;
    const decoder = createStreamDecoder(req.dialect, { newId: req.newId, vendor: req.vendor });
    const ctl = new AbortController();
    let timedOut: 'connect' | 'idle' | undefined;
    const onUserAbort = () => ctl.abort();
    req.signal?.addEventListener('abort', onUserAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number, kind: 'connect' | 'idle') => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = kind;
        ctl.abort();
      }, ms);
    };
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let outcome: Outcome = { kind: 'done' };

    // Decides between retrying and reporting an error that happened before or while streaming.
    const failure = function* (message: string, opts: { retryable: boolean; code: 'timeout' | 'network' | 'http' | 'protocol' | 'provider' | 'aborted'; status?: number; delayMs?: number }): Generator<StreamPart, Outcome> {
      if (req.signal?.aborted) {
        yield* decoder.fail('the request was aborted', { code: 'aborted', retryable: false });
        return { kind: 'done' };
      }
      const delayMs = opts.delayMs ?? backoffDelay(attempt, retry, random);
      if (opts.retryable && !decoder.contentEmitted && canRetry && delayMs <= retry.maxRetryAfterMs) {
        return { kind: 'retry', delayMs };
      }
      const retryable = opts.retryable && !decoder.contentEmitted;
      yield* decoder.fail(message, { code: opts.code, retryable, ...(opts.status !== undefined ? { status: opts.status } : {}) });
      return { kind: 'done' };
    };

    try {
      attemptBody: {
        if (req.signal?.aborted) {
          yield* decoder.fail('the request was aborted', { code: 'aborted', retryable: false });
          return;
        }
        arm(connectTimeoutMs, 'connect');
        let res: Response;
        try {
          res = await doFetch(req.url, { method: 'POST', headers: { 'content-type': 'application/json', ...req.headers }, body: payload, signal: ctl.signal });
        } catch (err) {
          outcome = yield* failure(
            timedOut ? `no response within ${connectTimeoutMs} ms` : `could not reach ${new URL(req.url).host}: ${describe(err)}`,
            // A destination the outbound policy refuses stays refused: no retry.
            { retryable: !(err instanceof OutboundBlockedError), code: timedOut ? 'timeout' : 'network' },
          );
          break attemptBody;
        }
        if (!res.ok) {
          arm(connectTimeoutMs, 'connect');
          const text = await res.text().catch(() => '');
          clearTimeout(timer);
          const wait = retryAfterMs(res.headers);
          outcome = yield* failure(`HTTP ${res.status} from ${new URL(req.url).host}: ${errorMessageFrom(text) || res.statusText}`, {
            retryable: isRetryableStatus(res.status),
            code: 'http',
            status: res.status,
            delayMs: wait,
          });
          break attemptBody;
        }
        const contentType = res.headers.get('content-type') ?? '';
        if (req.dialect !== 'ollama' && contentType.includes('application/json')) {
          // Some compatible servers ignore `stream: true` or answer errors with status 200.
          const text = await res.text().catch(() => '');
          outcome = yield* failure(`expected an event stream from ${new URL(req.url).host} but got JSON: ${errorMessageFrom(text)}`, { retryable: false, code: 'provider' });
          break attemptBody;
        }
        if (!res.body) {
          yield* decoder.end();
          return;
        }
        reader = res.body.getReader();
        for (;;) {
          arm(idleTimeoutMs, 'idle');
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (err) {
            outcome = yield* failure(
              timedOut ? `the stream was silent for ${idleTimeoutMs} ms` : `the connection was lost mid-stream: ${describe(err)}`,
              { retryable: true, code: timedOut ? 'timeout' : 'network' },
            );
            break;
          }
          if (chunk.done) {
            const parts = decoder.end();
            const retryOutcome = retryableBeforeContent(parts, decoder, canRetry);
            if (retryOutcome) {
              outcome = { kind: 'retry', delayMs: backoffDelay(attempt, retry, random) };
              break;
            }
            yield* parts;
            break;
          }
          const parts = decoder.feed(chunk.value);
          if (parts.length === 0) continue;
          if (retryableBeforeContent(parts, decoder, canRetry)) {
            outcome = { kind: 'retry', delayMs: backoffDelay(attempt, retry, random) };
            break;
          }
          yield* parts;
          if (decoder.closed) break;
        }
      }
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onUserAbort);
      // Stop the body download if the consumer stopped early or we are retrying.
      if (reader) reader.cancel().catch(() => {});
      ctl.abort();
    }
    if (outcome.kind === 'done') return;
    if (!(await sleep(outcome.delayMs, req.signal))) {
      yield* createStreamDecoder(req.dialect).fail('the request was aborted', { code: 'aborted', retryable: false });
      return;
    }
  }
}

/** An error part produced before any content, flagged retryable, with attempts left: retry. */
function retryableBeforeContent(parts: StreamPart[], decoder: StreamDecoder, canRetry: boolean): boolean {
  if (!canRetry || decoder.contentEmitted) return false;
  return parts.some((p) => p.type === 'error' && p.retryable === true);
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Pulls the human message out of a provider's JSON error body. */
function errorMessageFrom(text: string): string {
  try {
    const v = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof v.error === 'string' ? v.error : (v.error?.message ?? v.message);
    if (m) return m.slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // not JSON
  }
  return text.slice(0, MAX_ERROR_BODY_CHARS);
}
