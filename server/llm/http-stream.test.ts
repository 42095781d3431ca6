import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Script } from '../../test/fake-llm/server';
import { collectStream } from './collect-stream';
import { createModel, type CreateModelOptions } from './create-model';
import { backoffDelay, DEFAULT_RETRY, retryAfterMs } from './retry-policy';
import type { StreamPart } from './types';

const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const ASK = { messages: [{ role: 'user' as const, content: 'go' }] };

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

async function run(script: Script, opts: CreateModelOptions = {}, model = 'openai:m') {
  llm = await startFakeLlm({ script });
  const started = performance.now();
  const parts: StreamPart[] = [];
  for await (const p of createModel(model, { baseUrl: llm.url, retry: FAST_RETRY, ...opts }).stream(ASK)) parts.push(p);
  const r = await collectStream((async function* () { yield* parts; })());
  return { r, parts, elapsed: performance.now() - started, server: llm };
}

function errorPart(parts: StreamPart[]) {
  return parts.find((p): p is Extract<StreamPart, { type: 'error' }> => p.type === 'error');
}

describe('retries', () => {
  it('honours Retry-After on a 429 (seconds)', async () => {
    const { r, elapsed, server } = await run([{ faults: { status: 429, retryAfter: 1 } }, { text: 'after the wait' }]);
    expect(r.text).toBe('after the wait');
    expect(server.requests).toHaveLength(2);
    // the base backoff is 1 ms, so a wait near a second can only come from the header
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });

  it('honours retry-after-ms on a 429', async () => {
    const { r, elapsed, server } = await run([{ faults: { status: 429, retryAfterMs: 150 } }, { text: 'ok' }], {}, 'anthropic:m');
    expect(r.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it('retries 5xx and 529 with bounded attempts, then reports the last status', async () => {
    const { r, parts, server } = await run([{ faults: { status: 503 } }, { faults: { status: 529 } }, { faults: { status: 500 } }, { text: 'never reached' }]);
    expect(server.requests).toHaveLength(FAST_RETRY.maxRetries + 1);
    expect(r.finishReason).toBe('error');
    expect(errorPart(parts)).toMatchObject({ code: 'http', status: 500, retryable: true });
    expect(r.error).toContain('HTTP 500');
  });

  it('does not retry a 400', async () => {
    const { parts, server } = await run([{ faults: { status: 400 } }, { text: 'no' }]);
    expect(server.requests).toHaveLength(1);
    expect(errorPart(parts)).toMatchObject({ code: 'http', status: 400, retryable: false });
  });

  it('does not wait for a Retry-After beyond the cap; the error says it is retryable', async () => {
    const { parts, server, elapsed } = await run([{ faults: { status: 429, retryAfter: 3600 } }, { text: 'no' }], { retry: { ...FAST_RETRY, maxRetryAfterMs: 10_000 } });
    expect(server.requests).toHaveLength(1);
    expect(elapsed).toBeLessThan(5_000);
    expect(errorPart(parts)).toMatchObject({ status: 429, retryable: true });
  });

  it('retries a connection cut before the first token', async () => {
    const { r, server } = await run([{ text: 'lost', faults: { disconnectAfterChunks: 0 } }, { text: 'second' }], {}, 'ollama:llama3.2');
    expect(r.text).toBe('second');
    expect(server.requests).toHaveLength(2);
  });

  it('never retries after tokens were emitted (mid-stream provider error)', async () => {
    const { r, parts, server } = await run([{ text: 'some tokens', faults: { errorEvent: 'boom' } }, { text: 'not used' }]);
    expect(server.requests).toHaveLength(1);
    expect(r.text).toBe('some tokens');
    expect(errorPart(parts)).toMatchObject({ code: 'provider', retryable: false });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'error' });
  });

  it('treats an empty 200 body as a truncated response and retries it', async () => {
    const { r, server } = await run([{ faults: { empty: true } }, { text: 'full' }], {}, 'anthropic:m');
    expect(r.text).toBe('full');
    expect(server.requests).toHaveLength(2);
  });

  it('reports an empty body as an error once retries are used up', async () => {
    const { r, parts } = await run([{ faults: { empty: true } }], { retry: { maxRetries: 0 } });
    expect(r.finishReason).toBe('error');
    expect(errorPart(parts)?.code).toBe('protocol');
  });

  it('reports a JSON answer to a streaming request as a provider error, not a truncation', async () => {
    const raw = JSON.stringify({ error: { message: 'streaming is not supported by this proxy' } });
    const { r, parts, server } = await run([{ raw, faults: { contentType: 'application/json' } }]);
    expect(server.requests).toHaveLength(1);
    expect(errorPart(parts)).toMatchObject({ code: 'provider', retryable: false });
    expect(r.error).toContain('streaming is not supported by this proxy');
  });

  it('reports an unreachable server as a network error after retries', async () => {
    const parts: StreamPart[] = [];
    // port 9 (discard) on localhost is closed: the connection is refused at once
    for await (const p of createModel('openai:m', { baseUrl: 'http://127.0.0.1:9', retry: FAST_RETRY }).stream(ASK)) parts.push(p);
    expect(errorPart(parts)).toMatchObject({ code: 'network', retryable: true });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'error' });
  });
});

describe('timeouts', () => {
  it('gives up on a server that does not send headers (connect timeout)', async () => {
    const { parts, server } = await run([{ text: 'late', faults: { delayHeadersMs: 2_000 } }], { connectTimeoutMs: 100, retry: { maxRetries: 0 } });
    expect(errorPart(parts)).toMatchObject({ code: 'timeout' });
    expect(errorPart(parts)?.message).toContain('no response within 100 ms');
    expect(server.requests).toHaveLength(1);
  });

  it('ends a stream that goes silent (idle timeout), keeping the text so far', async () => {
    const { r, parts } = await run([{ text: 'alpha beta gamma delta', faults: { stallAfterChunks: 3 } }], { idleTimeoutMs: 150, retry: { maxRetries: 2 } });
    expect(errorPart(parts)).toMatchObject({ code: 'timeout', retryable: false });
    expect(errorPart(parts)?.message).toContain('silent for 150 ms');
    expect(r.text).toBe('alpha beta');
    expect(r.finishReason).toBe('error');
  });

  it('retries a stream that goes silent before the first token', async () => {
    const { r, server } = await run([{ text: 'x', faults: { stallAfterChunks: 0 } }, { text: 'fresh' }], { idleTimeoutMs: 100 });
    expect(r.text).toBe('fresh');
    expect(server.requests).toHaveLength(2);
  });

  it('slow but steady tokens are not a timeout', async () => {
    const { r } = await run([{ text: 'one two three', faults: { delayPerChunkMs: 30 } }], { idleTimeoutMs: 2_000 });
    expect(r.text).toBe('one two three');
    expect(r.finishReason).toBe('stop');
  });
});

describe('aborts', () => {
  it('stops mid-stream when the signal aborts and reports it as aborted', async () => {
    llm = await startFakeLlm({ script: [{ text: 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10', faults: { delayPerChunkMs: 50 } }] });
    const ctl = new AbortController();
    const parts: StreamPart[] = [];
    for await (const p of createModel('anthropic:m', { baseUrl: llm.url }).stream({ ...ASK, signal: ctl.signal })) {
      parts.push(p);
      if (p.type === 'text-delta') ctl.abort();
    }
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.length).toBeLessThan(10);
    expect(errorPart(parts)).toMatchObject({ code: 'aborted', retryable: false });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'error' });
    expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
  });

  it('does not send a request when the signal is already aborted', async () => {
    llm = await startFakeLlm({ script: [{ text: 'x' }] });
    const parts: StreamPart[] = [];
    for await (const p of createModel('ollama:llama3.2', { baseUrl: llm.url }).stream({ ...ASK, signal: AbortSignal.abort() })) parts.push(p);
    expect(llm.requests).toHaveLength(0);
    expect(errorPart(parts)?.code).toBe('aborted');
  });

  it('an abort during a retry wait ends the wait at once', async () => {
    llm = await startFakeLlm({ script: [{ faults: { status: 429, retryAfter: 30 } }, { text: 'x' }] });
    const ctl = new AbortController();
    const started = performance.now();
    const parts: StreamPart[] = [];
    const stream = createModel('openai:m', { baseUrl: llm.url }).stream({ ...ASK, signal: ctl.signal });
    const done = (async () => {
      for await (const p of stream) parts.push(p);
    })();
    // abort once the server has seen the first request (wait on state, not time)
    await expect.poll(() => llm!.requests.length).toBe(1);
    ctl.abort();
    await done;
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(errorPart(parts)?.code).toBe('aborted');
  });

  it('a consumer that stops iterating early closes the connection', async () => {
    llm = await startFakeLlm({ script: [{ text: 'a b c d e f', faults: { delayPerChunkMs: 20 } }, { text: 'next' }] });
    const model = createModel('openai:m', { baseUrl: llm.url });
    for await (const p of model.stream(ASK)) if (p.type === 'text-delta') break;
    const next = await collectStream(model.stream(ASK));
    expect(next.text).toBe('next');
  });
});

describe('retry policy', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    const opts = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, opts, () => 1)).toBe(100);
    expect(backoffDelay(2, opts, () => 1)).toBe(400);
    expect(backoffDelay(2, opts, () => 0)).toBe(200);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
  });
});
