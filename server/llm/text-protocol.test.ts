import { describe, expect, it } from 'vitest';
import { collectStream } from './collect-stream';
import { formatToolCallText, parseTextToolCalls, TextToolCallScanner, toTextProtocolRequest } from './text-protocol';
import type { StreamPart } from './types';

async function* partsFromText(pieces: string[], reason: 'stop' | 'length' = 'stop'): AsyncGenerator<StreamPart> {
  yield { type: 'text-start', id: 't0' };
  for (const delta of pieces) yield { type: 'text-delta', id: 't0', delta };
  yield { type: 'text-end', id: 't0' };
  yield { type: 'usage', inputTokens: 1, outputTokens: 2 };
  yield { type: 'finish', reason };
}

const ids = (n: number) => `id${n}`;

describe('text protocol', () => {
  const reply = `Looking.\n${formatToolCallText('read_file', { path: 'a<b>.ts' })}\n${formatToolCallText('finish', { summary: 'done' })}`;

  it('finds calls wherever the text is split', async () => {
    for (let cut = 1; cut < reply.length; cut++) {
      const r = await collectStream(parseTextToolCalls(partsFromText([reply.slice(0, cut), reply.slice(cut)]), ids));
      expect(r.toolCalls.map((c) => [c.toolName, c.args])).toEqual([
        ['read_file', { path: 'a<b>.ts' }],
        ['finish', { summary: 'done' }],
      ]);
      expect(r.text.trim()).toBe('Looking.');
      expect(r.finishReason).toBe('tool-calls');
    }
  });

  it('passes text that only looks like a tag through unchanged', async () => {
    const text = 'Use <tool or <tool_calls> carefully <';
    const r = await collectStream(parseTextToolCalls(partsFromText(text.split('')), ids));
    expect(r.text).toBe(text);
    expect(r.toolCalls).toEqual([]);
    expect(r.finishReason).toBe('stop');
  });

  it('repairs a sloppy envelope and an unclosed call at the end of a truncated reply', async () => {
    const r = await collectStream(parseTextToolCalls(partsFromText(["<tool_call>{'name': 'run_command', 'arguments': {'command': 'ls'}}</tool_call>", '<tool_call>{"name": "finish", "arguments": {"summary": "cut']), ids));
    expect(r.toolCalls.map((c) => [c.toolName, c.args, c.repaired ?? false])).toEqual([
      ['run_command', { command: 'ls' }, true],
      ['finish', { summary: 'cut' }, true],
    ]);
  });

  it('an unclosed call cut by the output limit is truncated, never repaired into a runnable call', async () => {
    const cut = '<tool_call>{"name": "apply_code_changes", "arguments": {"changes": [{"path": "a.ts", "mode": "create", "content": "export const a';
    const r = await collectStream(parseTextToolCalls(partsFromText([formatToolCallText('read_file', { path: 'a.ts' }), cut], 'length'), ids));
    expect(r.finishReason).toBe('length');
    expect(r.toolCalls.map((c) => [c.toolName, c.truncated ?? false, c.repaired ?? false])).toEqual([
      ['read_file', false, false],
      ['apply_code_changes', true, false],
    ]);
    expect(r.toolCalls[1].rawArgs).toBe(cut.slice('<tool_call>'.length));
    // The same text with a complete envelope (only the closing tag missing) is a finished call.
    const whole = await collectStream(parseTextToolCalls(partsFromText(['<tool_call>{"name": "read_file", "arguments": {"path": "b.ts"}}'], 'length'), ids));
    expect(whole.toolCalls).toEqual([{ type: 'tool-call', id: 'id0', toolName: 'read_file', args: { path: 'b.ts' } }]);
    expect(whole.finishReason).toBe('length');
  });

  it('an unclosed call in a stream that failed is dropped (half-received arguments never run)', async () => {
    async function* failing(): AsyncGenerator<StreamPart> {
      yield { type: 'text-delta', id: 't0', delta: 'ok <tool_call>{"name": "finish", "arguments": {"summary": "x' };
      yield { type: 'error', message: 'connection lost', code: 'network' };
      yield { type: 'usage', inputTokens: 1, outputTokens: 1 };
      yield { type: 'finish', reason: 'error' };
    }
    const r = await collectStream(parseTextToolCalls(failing(), ids));
    expect(r.toolCalls).toEqual([]);
    expect(r.text).toBe('ok ');
    expect(r.finishReason).toBe('error');
  });

  it('a call without a name is reported invalid', async () => {
    const r = await collectStream(parseTextToolCalls(partsFromText(['<tool_call>{"arguments": {}}</tool_call>']), ids));
    expect(r.toolCalls[0]).toMatchObject({ invalid: true, toolName: '' });
  });

  it('scanner holds back a possible tag prefix only', () => {
    const s = new TextToolCallScanner();
    expect(s.push('hello <tool')).toEqual([{ kind: 'text', value: 'hello ' }]);
    expect(s.push('box>')).toEqual([{ kind: 'text', value: '<toolbox>' }]);
  });

  it('rewrites a request: tools into the system prompt, calls and results into text', () => {
    const req = toTextProtocolRequest({
      system: 'Base.',
      tools: [{ name: 'read_file', description: 'Read.', parameters: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', toolName: 'read_file', args: { path: 'x' } }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'read_file', result: 'oops', isError: true }] },
      ],
    });
    expect(req.tools).toBeUndefined();
    expect(req.system?.startsWith('Base.\n\n# Tools')).toBe(true);
    expect(req.messages[1]).toEqual({ role: 'assistant', content: `${formatToolCallText('read_file', { path: 'x' })}\n` });
    expect(req.messages[2]).toEqual({ role: 'user', content: '<tool_result name="read_file" id="c1" error="true">\noops\n</tool_result>' });
  });
});
