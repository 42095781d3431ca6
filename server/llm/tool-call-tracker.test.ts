import { describe, expect, it } from 'vitest';
import { parseToolArgs } from './parse-tool-args';
import { ToolCallTracker } from './tool-call-tracker';
import type { StreamPart } from './types';

function calls(parts: StreamPart[]) {
  return parts.filter((p) => p.type === 'tool-call');
}

describe('ToolCallTracker', () => {
  it('finalises only on flush, because a parsable buffer may be a prefix', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'read_file', args: '{"limit": 1' }, out);
    t.delta(0, { args: '}' }, out);
    // '{"limit": 1}' parses, but the next delta extends the number
    expect(calls(out)).toEqual([]);
    out.length = 0;
    const t2 = new ToolCallTracker();
    t2.delta(0, { id: 'a', toolName: 'read_file', args: '{"limit": 1' }, out);
    t2.delta(0, { args: '5}' }, out);
    expect(calls(out)).toEqual([]);
    t2.flush(out);
    expect(calls(out)).toEqual([{ type: 'tool-call', id: 'a', toolName: 'read_file', args: { limit: 15 } }]);
  });

  it('emits start, deltas, end and the call in that order', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'f', args: '{"x"' }, out);
    t.delta(0, { args: ':1}' }, out);
    t.flush(out);
    expect(out.map((p) => p.type)).toEqual(['tool-call-start', 'tool-call-delta', 'tool-call-delta', 'tool-call-end', 'tool-call']);
  });

  it('buffers arguments that arrive before the id and name, and orders calls by index', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(1, { args: '{"b":' }, out);
    t.delta(0, { id: 'first', toolName: 'f0', args: '{"a":1}' }, out);
    t.delta(1, { id: 'second', toolName: 'f1' }, out);
    t.delta(1, { args: '2}' }, out);
    t.flush(out);
    expect(calls(out).map((c) => [c.id, c.toolName, c.args])).toEqual([
      ['first', 'f0', { a: 1 }],
      ['second', 'f1', { b: 2 }],
    ]);
    const startOfSecond = out.findIndex((p) => p.type === 'tool-call-start' && p.id === 'second');
    expect(out[startOfSecond + 1]).toEqual({ type: 'tool-call-delta', id: 'second', toolName: 'f1', delta: '{"b":' });
  });

  it('repairs malformed arguments and keeps the raw text', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'f', args: "{'path': 'x.ts', recursive: True,}" }, out);
    t.flush(out);
    expect(calls(out)[0]).toMatchObject({ args: { path: 'x.ts', recursive: true }, repaired: true, rawArgs: "{'path': 'x.ts', recursive: True,}" });
  });

  it('marks unrepairable arguments invalid instead of throwing', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'f', args: '"just a string"' }, out);
    t.delta(1, { id: 'b', toolName: 'g', args: '42' }, out);
    t.flush(out);
    expect(calls(out)).toEqual([
      { type: 'tool-call', id: 'a', toolName: 'f', args: {}, invalid: true, rawArgs: '"just a string"' },
      { type: 'tool-call', id: 'b', toolName: 'g', args: {}, invalid: true, rawArgs: '42' },
    ]);
  });

  it('reports a call that never got a name as invalid, with a generated id', () => {
    const t = new ToolCallTracker({ newId: (n) => `gen-${n}` });
    const out: StreamPart[] = [];
    t.delta(0, { args: '{"a":1}' }, out);
    t.flush(out);
    expect(calls(out)).toEqual([{ type: 'tool-call', id: 'gen-0', toolName: '', args: { a: 1 }, invalid: true, rawArgs: '{"a":1}' }]);
  });

  it('takes whole calls (Ollama) as objects or as text to repair', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.whole(0, { toolName: 'f', args: { a: [1, 2] } }, out);
    t.whole(1, { toolName: 'g', args: '{a: 1' }, out);
    t.flush(out);
    expect(calls(out)).toEqual([
      { type: 'tool-call', id: 'call_0', toolName: 'f', args: { a: [1, 2] } },
      { type: 'tool-call', id: 'call_1', toolName: 'g', args: { a: 1 }, repaired: true, rawArgs: '{a: 1' },
    ]);
  });

  it('flushing one key leaves the others open', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'f', args: '{}' }, out);
    t.delta(1, { id: 'b', toolName: 'g', args: '{}' }, out);
    t.flush(out, 1);
    expect(calls(out).map((c) => c.id)).toEqual(['b']);
    t.flush(out);
    expect(calls(out).map((c) => c.id)).toEqual(['b', 'a']);
    expect(t.callCount).toBe(2);
  });
});

describe('parseToolArgs', () => {
  it.each([
    ['', {}, false],
    ['  ', {}, false],
    ['{"a":1}', { a: 1 }, false],
    ['```json\n{"a":1}\n```', { a: 1 }, true],
    ['{"a": "unterminated', { a: 'unterminated' }, true],
    ['"{\\"a\\":1}"', { a: 1 }, true],
    ['{"a": None}', { a: null }, true],
  ])('%j → %j (repaired %s)', (raw, args, repaired) => {
    expect(parseToolArgs(raw)).toEqual({ ok: true, args, repaired });
  });

  it.each(['[1,2]', 'null', '7', '"text"'])('%j is not an argument object', (raw) => {
    expect(parseToolArgs(raw)).toEqual({ ok: false, raw });
  });

  it('cut by the output limit: only the call being written is truncated, and only if its JSON is unfinished', () => {
    const t = new ToolCallTracker();
    const out: StreamPart[] = [];
    t.delta(0, { id: 'a', toolName: 'f', args: "{'broken': 1," }, out);
    t.delta(1, { id: 'b', toolName: 'g', args: '{"content": "export const x = ' }, out);
    t.flush(out, undefined, { cutByLimit: true });
    expect(calls(out)).toEqual([
      // the model had moved on from the first call: it is an ordinary (repaired) call
      { type: 'tool-call', id: 'a', toolName: 'f', args: { broken: 1 }, repaired: true, rawArgs: "{'broken': 1," },
      { type: 'tool-call', id: 'b', toolName: 'g', args: { content: 'export const x =' }, truncated: true, rawArgs: '{"content": "export const x = ' },
    ]);
    const t2 = new ToolCallTracker();
    const out2: StreamPart[] = [];
    t2.delta(0, { id: 'c', toolName: 'h', args: '{"path": "a.ts"}' }, out2);
    t2.flush(out2, undefined, { cutByLimit: true });
    expect(calls(out2)).toEqual([{ type: 'tool-call', id: 'c', toolName: 'h', args: { path: 'a.ts' } }]);
    const t3 = new ToolCallTracker();
    const out3: StreamPart[] = [];
    t3.delta(0, { id: 'd', toolName: 'h' }, out3);
    t3.flush(out3, undefined, { cutByLimit: true });
    expect(calls(out3)).toEqual([{ type: 'tool-call', id: 'd', toolName: 'h', args: {}, truncated: true, rawArgs: '' }]);
  });
});
