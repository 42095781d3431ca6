import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/fake-llm/chunking';
import { startFakeLlm } from '../../test/fake-llm/server';
import { collectStream } from './collect-stream';
import { createModel } from './create-model';
import { decodeBody } from './stream-decoder';
import { listFixtures, listRecordedFixtures } from './testing/fixtures';
import { DIALECTS, FINISH_REASONS, type Dialect, type StreamPart } from './types';

const ROUNDS_PER_FIXTURE = 60;
const GARBAGE = ['\u0000', '\uFFFD', 'data: {', 'data: [DONE]\n\n', '\n\n', '}', 'event: error\n', '\r', '{"choices":[{"delta":{"tool_calls":[{"index":"x"}]}}]}\n', '\xff\xfe', 'data: {"type":"content_block_delta","index":9}\n\n', 'null\n'];

/** The contract every stream keeps, whatever the bytes were. */
function checkInvariants(parts: StreamPart[]): void {
  const finishes = parts.filter((p) => p.type === 'finish');
  expect(finishes).toHaveLength(1);
  expect(parts.at(-1)?.type).toBe('finish');
  expect(parts.at(-2)?.type).toBe('usage');
  expect(FINISH_REASONS).toContain((finishes[0] as { reason: string }).reason);
  const open = new Set<string>();
  const openCalls = new Set<string>();
  for (const p of parts) {
    if (p.type === 'tool-call-start') openCalls.add(p.id);
    if (p.type === 'tool-call-delta') expect(openCalls.has(p.id)).toBe(true);
    if (p.type === 'tool-call-end') openCalls.delete(p.id);
    if (p.type === 'text-start' || p.type === 'reasoning-start') open.add(p.id);
    if (p.type === 'text-delta' || p.type === 'reasoning-delta') expect(open.has(p.id)).toBe(true);
    if (p.type === 'text-end' || p.type === 'reasoning-end') open.delete(p.id);
    if (p.type === 'tool-call') expect(typeof p.args === 'object' && p.args !== null && !Array.isArray(p.args)).toBe(true);
  }
  expect([...open]).toEqual([]);
  expect([...openCalls]).toEqual([]);
}

function mutate(body: Buffer, rnd: () => number): Buffer {
  let bytes = Buffer.from(body);
  const ops = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rnd() * (bytes.length + 1));
    const kind = rnd();
    if (kind < 0.3) bytes = bytes.subarray(0, at); // truncate
    else if (kind < 0.6) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(GARBAGE[Math.floor(rnd() * GARBAGE.length)], 'latin1'), bytes.subarray(at)]);
    else if (kind < 0.8) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + Math.floor(rnd() * 40)))]); // drop a run
    else if (bytes.length) bytes[Math.min(at, bytes.length - 1)] = Math.floor(rnd() * 256); // flip a byte
  }
  return bytes;
}

describe('fuzz: truncated and garbled bodies never crash the decoder', () => {
  const fixtures = [...listFixtures(), ...listRecordedFixtures()];
  it.each(DIALECTS)('%s', (dialect: Dialect) => {
    const rnd = seededRandom(dialect.length * 7919);
    const bodies = fixtures.map((f) => f.body);
    let count = 0;
    for (const body of bodies) {
      for (let round = 0; round < ROUNDS_PER_FIXTURE; round++) {
        const input = mutate(body, rnd);
        const chunk = 1 + Math.floor(rnd() * 80);
        let parts: StreamPart[] = [];
        expect(() => (parts = decodeBody(dialect, input, chunk))).not.toThrow();
        checkInvariants(parts);
        count++;
      }
    }
    expect(count).toBe(bodies.length * ROUNDS_PER_FIXTURE);
  });

  it('pure noise in every dialect ends with an error part', () => {
    const rnd = seededRandom(42);
    for (const dialect of DIALECTS) {
      for (let i = 0; i < 50; i++) {
        const noise = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
        const parts = decodeBody(dialect, noise, 7);
        checkInvariants(parts);
        const finish = parts.at(-1) as { reason: string };
        expect(finish.reason).toBe('error');
      }
    }
  });

  it('garbage served over HTTP becomes an error part, not an exception', async () => {
    const llm = await startFakeLlm({ script: () => ({ raw: 'data: {"choices": [garbage\n\nnot sse at all\u0000', faults: { splitBytes: 'random', seed: 3 } }) });
    try {
      for (const provider of DIALECTS) {
        const parts: StreamPart[] = [];
        for await (const p of createModel(`${provider}:m`, { baseUrl: llm.url, retry: { maxRetries: 1, baseDelayMs: 1 } }).stream({ messages: [{ role: 'user', content: 'x' }] })) parts.push(p);
        checkInvariants(parts);
        const r = await collectStream((async function* () { yield* parts; })());
        expect(r.finishReason).toBe('error');
        expect(r.error).toBeTruthy();
      }
    } finally {
      await llm.close();
    }
  });
});
