import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random';
import { replayBody, type ReplaySummary } from './replay';
import { listFixtures, listRecordedFixtures, type LlmFixture } from './testing/fixtures';

/**
 * The stream layer meets shapes nobody has recorded yet. Whatever a provider adds — fields on any
 * object, event types, delta types, content-part kinds, content-block kinds with their own JSON
 * deltas — must leave what the known parts say unchanged, and must never turn into a client tool
 * call. Every fixture is rewritten with such additions (seeded, so a failure replays) and its
 * summary compared with the original's.
 */
const ROUNDS = 8;

function sseEvents(body: string): Array<{ event?: string; data: string }> {
  return body
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      return { event, data };
    })
    .filter((e) => e.data !== '');
}

function toSse(events: Array<{ event?: string; data: string }>): string {
  return events.map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`).join('');
}

/** Adds an unknown field to every object in the value, except inside a tool's own `input`. */
function addFields(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => addFields(x, rnd));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'input' ? x : addFields(x, rnd);
    if (rnd() < 0.7) out[`x_future_${Math.floor(rnd() * 1000)}`] = rnd() < 0.5 ? { nested: [1, 'two'] } : null;
    return out;
  }
  return v;
}

function extendOpenAi(body: string, rnd: () => number): string {
  const out: Array<{ event?: string; data: string }> = [];
  for (const e of sseEvents(body)) {
    if (e.data === '[DONE]') {
      out.push(e);
      continue;
    }
    let chunk: any;
    try {
      chunk = JSON.parse(e.data);
    } catch {
      out.push(e);
      continue;
    }
    const c = addFields(chunk, rnd) as any;
    const delta = c.choices?.[0]?.delta;
    if (delta && rnd() < 0.5) delta.audio = { id: 'audio_1', transcript: null };
    out.push({ data: JSON.stringify(c) });
    if (rnd() < 0.3) {
      // A chunk of a kind not seen yet: unknown delta fields and content parts only.
      out.push({ data: JSON.stringify({ id: c.id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: [{ type: 'image_url', image_url: { url: 'x' } }], annotations: [{ type: 'url_citation' }] }, finish_reason: null }] }) });
    }
  }
  return toSse(out);
}

function extendAnthropic(body: string, rnd: () => number): { body: string; extraBlocks: number } {
  const out: Array<{ event?: string; data: string }> = [];
  let extraBlocks = 0;
  let next = 900;
  for (const e of sseEvents(body)) {
    let msg: any;
    try {
      msg = JSON.parse(e.data);
    } catch {
      out.push(e);
      continue;
    }
    if (msg.type === 'message_stop' || msg.type === 'message_delta') {
      if (rnd() < 0.6) {
        // A block kind nobody knows yet, streaming JSON like a tool would: never a client call.
        const index = next++;
        out.push({ event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index, content_block: { type: 'future_block', id: 'fb_1', name: 'looks_like_a_tool', input: {} } }) });
        out.push({ event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '{"path": "/etc/passwd"}' } }) });
        out.push({ event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index }) });
        extraBlocks++;
      }
    }
    out.push({ event: e.event, data: JSON.stringify(addFields(msg, rnd)) });
    if (rnd() < 0.25) out.push({ event: 'future_event', data: JSON.stringify({ type: 'future_event', detail: { a: 1 } }) });
    if (msg.type === 'content_block_delta' && rnd() < 0.3) {
      out.push({ event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: msg.index, delta: { type: 'future_delta', payload: 'x' } }) });
    }
  }
  return { body: toSse(out), extraBlocks };
}

function clean(fx: LlmFixture): boolean {
  // Fixtures that end in a provider or protocol error stop at different points once events are added.
  return fx.dialect !== 'ollama' && fx.expected.error === undefined && fx.expected.finishReason !== 'error';
}

describe('unknown fields, events, deltas, parts and blocks leave the known meaning unchanged', () => {
  const fixtures = [...listFixtures(), ...listRecordedFixtures()].filter(clean);

  it.each(fixtures.map((f) => [`${f.dialect}/${f.name}`, f] as [string, LlmFixture]))('%s', (_label, fx) => {
    const rnd = seededRandom(fx.name.length * 131 + fx.body.length);
    const original = replayBody(fx.dialect, fx.body, 0);
    for (let round = 0; round < ROUNDS; round++) {
      if (fx.dialect === 'openai') {
        const body = extendOpenAi(fx.body.toString('utf8'), rnd);
        expect(replayBody('openai', body, 1 + Math.floor(rnd() * 64))).toEqual(original);
      } else {
        const { body, extraBlocks } = extendAnthropic(fx.body.toString('utf8'), rnd);
        const got: ReplaySummary = replayBody('anthropic', body, 1 + Math.floor(rnd() * 64));
        const future = (got.providerBlocks ?? []).filter((b) => b === 'future_block');
        expect(future).toHaveLength(extraBlocks);
        const rest = (got.providerBlocks ?? []).filter((b) => b !== 'future_block');
        const { providerBlocks: _drop, ...withoutBlocks } = got;
        const { providerBlocks: _orig, ...originalWithout } = original;
        expect(withoutBlocks).toEqual(originalWithout);
        expect(rest).toEqual(original.providerBlocks ?? []);
      }
    }
  });
});
