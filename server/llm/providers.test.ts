import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Script } from '../../test/fake-llm/server';
import { monologueTurn, repeatedCallTurns } from '../../test/fake-llm/turns';
import { collectStream } from './collect-stream';
import { createModel, ModelNameError } from './create-model';
import { TOOL_CALL_OPEN } from './text-protocol';
import type { Message, StreamPart, ToolDefinition } from './types';

const TOOLS: ToolDefinition[] = [
  { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string', description: 'file path' } }, required: ['path'] } },
  { name: 'finish', description: 'End the task', parameters: { type: 'object', properties: { summary: { type: 'string' } } } },
];

/** A conversation with a finished tool round, to check each provider's tool-result shape. */
const HISTORY: Message[] = [
  { role: 'user', content: 'Read a.ts' },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'need the file', signature: 'sig-1' },
      { type: 'text', text: 'Reading.' },
      { type: 'tool-call', id: 'call_1', toolName: 'read_file', args: { path: 'a.ts' } },
    ],
  },
  { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'read_file', result: 'export const a = 1;' }] },
];

const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

async function serve(script: Script): Promise<FakeLlm> {
  llm = await startFakeLlm({ script });
  return llm;
}

describe('createModel', () => {
  it('rejects names that are not provider:model', () => {
    expect(() => createModel('gpt-4o')).toThrow(ModelNameError);
    expect(() => createModel('cohere:command')).toThrow(/provider is one of anthropic, openai, ollama/);
  });

  it('reads keys and hosts from the environment', async () => {
    const server = await serve([{ text: 'ok' }, { text: 'ok' }]);
    const env = { OPENAI_API_KEY: 'sk-env', OLLAMA_HOST: server.url.replace('http://', '') };
    await collectStream(createModel('openai:m', { baseUrl: server.url, env }).stream({ messages: [{ role: 'user', content: 'x' }] }));
    await collectStream(createModel('ollama:llama3.2', { env }).stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(server.received[0].headers.authorization).toBe('Bearer sk-env');
    expect(server.received[1].path).toBe('/api/chat');
  });
});

describe.each(['openai', 'anthropic', 'ollama'] as const)('%s adapter against the fake server', (provider) => {
  const modelName = provider === 'ollama' ? 'ollama:qwen3' : `${provider}:test-model`;

  it('streams reasoning, text and parallel tool calls in order', async () => {
    const server = await serve([
      { reasoning: 'Think first.', text: 'I will read both.', toolCalls: [{ name: 'read_file', args: { path: 'a.ts' } }, { name: 'read_file', args: { path: 'b.ts' } }], usage: { inputTokens: 100, outputTokens: 20 } },
    ]);
    const model = createModel(modelName, { baseUrl: server.url, apiKey: 'k' });
    const parts: StreamPart[] = [];
    for await (const p of model.stream({ messages: HISTORY, tools: TOOLS, system: 'You are careful.' })) parts.push(p);
    const types = parts.map((p) => p.type);
    expect(types.indexOf('reasoning-start')).toBeLessThan(types.indexOf('text-start'));
    expect(types.indexOf('text-end')).toBeLessThan(types.indexOf('tool-call-start'));
    expect(types.slice(-2)).toEqual(['usage', 'finish']);
    const calls = parts.filter((p) => p.type === 'tool-call');
    expect(calls.map((c) => c.args)).toEqual([{ path: 'a.ts' }, { path: 'b.ts' }]);
    const r = await collectStream((async function* () { yield* parts; })());
    expect(r.text).toBe('I will read both.');
    expect(r.reasoning).toBe('Think first.');
    expect(r.finishReason).toBe('tool-calls');
    expect(r.usage).toMatchObject({ inputTokens: 100, outputTokens: 20 });
  });

  it('sends tools and the tool round in the provider shape', async () => {
    const server = await serve([{ text: 'ok' }]);
    await collectStream(createModel(modelName, { baseUrl: server.url, apiKey: 'key-1' }).stream({ messages: HISTORY, tools: TOOLS, system: 'SYS', maxTokens: 500 }));
    const body = server.requests[0];
    const headers = server.received[0].headers;
    if (provider === 'openai') {
      expect(headers.authorization).toBe('Bearer key-1');
      expect(body.stream_options).toEqual({ include_usage: true });
      expect(body.max_tokens).toBe(500);
      expect(body.tools[0]).toEqual({ type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: TOOLS[0].parameters } });
      expect(body.messages[0]).toEqual({ role: 'system', content: 'SYS' });
      expect(body.messages[2].tool_calls[0]).toEqual({ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } });
      expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'export const a = 1;' });
    } else if (provider === 'anthropic') {
      expect(headers['x-api-key']).toBe('key-1');
      expect(headers['anthropic-version']).toBe('2023-06-01');
      expect(body.system).toEqual([{ type: 'text', text: 'SYS' }]);
      expect(body.max_tokens).toBe(500);
      expect(body.tools[0]).toEqual({ name: 'read_file', description: 'Read a file', input_schema: TOOLS[0].parameters });
      expect(body.messages[1].content).toEqual([
        { type: 'thinking', thinking: 'need the file', signature: 'sig-1' },
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: 'call_1', name: 'read_file', input: { path: 'a.ts' } },
      ]);
      expect(body.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'export const a = 1;' }] });
    } else {
      expect(body.options).toEqual({ num_predict: 500 });
      expect(body.messages[2].tool_calls).toEqual([{ function: { name: 'read_file', arguments: { path: 'a.ts' } } }]);
      expect(body.messages[3]).toEqual({ role: 'tool', content: 'export const a = 1;', tool_name: 'read_file' });
    }
  });

  it('repairs malformed tool JSON and marks the call', async () => {
    const server = await serve([{ toolCalls: [{ name: 'read_file', args: { path: 'src/x.ts', limit: 3 } }], faults: { malformedToolJson: true, splitBytes: 'random', seed: 7 } }]);
    const r = await collectStream(createModel(modelName, { baseUrl: server.url }).stream({ messages: [{ role: 'user', content: 'go' }], tools: TOOLS }));
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0].args).toEqual({ path: 'src/x.ts', limit: 3 });
    // Ollama decodes arguments server-side; a broken string still reaches us as text to repair.
    expect(r.toolCalls[0].repaired).toBe(true);
    expect(r.finishReason).toBe('tool-calls');
  });

  it('keeps partial text and ends with an error when the connection drops after tokens, without retrying', async () => {
    const server = await serve([{ text: 'one two three four five six', faults: { disconnectAfterChunks: 4 } }, { text: 'should not be used' }]);
    const r = await collectStream(createModel(modelName, { baseUrl: server.url, retry: FAST_RETRY }).stream({ messages: [{ role: 'user', content: 'go' }] }));
    expect(r.finishReason).toBe('error');
    expect(r.error).toMatch(/connection was lost|ended before the model finished/);
    expect(r.text.length).toBeGreaterThan(0);
    expect('one two three four five six'.startsWith(r.text)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 and then streams the next turn', async () => {
    const server = await serve([{ faults: { status: 500 } }, { text: 'recovered' }]);
    const r = await collectStream(createModel(modelName, { baseUrl: server.url, retry: FAST_RETRY }).stream({ messages: [{ role: 'user', content: 'go' }] }));
    expect(r.text).toBe('recovered');
    expect(r.finishReason).toBe('stop');
    expect(server.requests).toHaveLength(2);
  });

  it('turns tool-less monologues and repeated calls into plain parts (the agent detectors judge them)', async () => {
    const server = await serve([monologueTurn(2), ...repeatedCallTurns('read_file', { path: 'same.ts' }, 2)]);
    const model = createModel(modelName, { baseUrl: server.url });
    const req = { messages: [{ role: 'user' as const, content: 'go' }], tools: TOOLS };
    const first = await collectStream(model.stream(req));
    expect(first.toolCalls).toEqual([]);
    expect(first.text.length).toBeGreaterThan(200);
    const second = await collectStream(model.stream(req));
    const third = await collectStream(model.stream(req));
    expect(second.toolCalls[0].args).toEqual(third.toolCalls[0].args);
    expect(second.toolCalls[0].toolName).toBe('read_file');
  });
});

describe('provider specifics', () => {
  it('openai: assembles interleaved, out-of-order tool deltas by index', async () => {
    const server = await serve([
      { toolCalls: [{ id: 'c0', name: 'read_file', args: { path: 'first-file-with-a-long-name.ts' } }, { id: 'c1', name: 'finish', args: { summary: 'a fairly long summary text' } }], faults: { interleaveToolDeltas: true, splitBytes: 5 } },
    ]);
    const parts: StreamPart[] = [];
    for await (const p of createModel('openai:m', { baseUrl: server.url }).stream({ messages: [{ role: 'user', content: 'go' }], tools: TOOLS })) parts.push(p);
    const starts = parts.filter((p) => p.type === 'tool-call-start').map((p) => p.id);
    expect(starts).toEqual(['c1', 'c0']); // streamed in arrival order…
    const calls = parts.filter((p) => p.type === 'tool-call');
    expect(calls.map((c) => [c.id, c.args])).toEqual([
      ['c0', { path: 'first-file-with-a-long-name.ts' }], // …finalised in index order
      ['c1', { summary: 'a fairly long summary text' }],
    ]);
    expect(calls.every((c) => !c.repaired)).toBe(true);
  });

  it('anthropic: marks cache breakpoints, sends thinking budget, reports cache usage', async () => {
    const server = await serve([{ reasoning: 'hmm', text: 'cached answer', usage: { inputTokens: 1000, outputTokens: 5, cacheReadTokens: 900, cacheWriteTokens: 50 } }]);
    const r = await collectStream(
      createModel('anthropic:claude-sonnet-4-5', { baseUrl: server.url }).stream({ system: 'S', messages: [{ role: 'user', content: 'q' }], tools: TOOLS, cache: true, reasoning: { budgetTokens: 2000 }, temperature: 0.5 }),
    );
    const body = server.requests[0];
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools[1].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.messages[0].content[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    expect(body.max_tokens).toBeGreaterThan(2000);
    expect(body.temperature).toBeUndefined();
    expect(r.usage).toEqual({ inputTokens: 1000, outputTokens: 5, cacheReadTokens: 900, cacheWriteTokens: 50 });
    expect(r.reasoningBlocks).toEqual([{ text: 'hmm', signature: 'fake-signature-0' }]);
  });

  it('anthropic: an overloaded event before any content is retried', async () => {
    const server = await serve([{ faults: { errorEvent: 'Overloaded' } }, { text: 'second try' }]);
    const r = await collectStream(createModel('anthropic:m', { baseUrl: server.url, retry: FAST_RETRY }).stream({ messages: [{ role: 'user', content: 'q' }] }));
    expect(r.text).toBe('second try');
    expect(server.requests).toHaveLength(2);
  });

  it('anthropic: an overloaded event after text ends the stream with the partial text, no retry', async () => {
    const server = await serve([{ text: 'half an answer', faults: { errorEvent: 'Overloaded' } }, { text: 'unused' }]);
    const r = await collectStream(createModel('anthropic:m', { baseUrl: server.url, retry: FAST_RETRY }).stream({ messages: [{ role: 'user', content: 'q' }] }));
    expect(r.text).toBe('half an answer');
    expect(r.error).toContain('overloaded_error');
    expect(r.finishReason).toBe('error');
    expect(server.requests).toHaveLength(1);
  });

  it('text-protocol fallback: a model without native tools gets tools in the prompt and its tagged calls parsed', async () => {
    const server = await serve([{ text: 'Let me look.', toolCalls: [{ name: 'read_file', args: { path: 'README.md' } }], faults: { splitBytes: 2 } }]);
    const model = createModel('ollama:gemma2:9b', { baseUrl: server.url });
    expect(model.capabilities.nativeTools).toBe(false);
    const r = await collectStream(model.stream({ system: 'Be brief.', messages: HISTORY, tools: TOOLS }));
    const body = server.requests[0];
    expect(body.tools).toBeUndefined();
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('Be brief.');
    expect(body.messages[0].content).toContain('### read_file');
    // history rendered as text: the earlier call and its result
    expect(body.messages[2].content).toContain(`${TOOL_CALL_OPEN}{"name":"read_file","arguments":{"path":"a.ts"}}`);
    expect(body.messages[3]).toMatchObject({ role: 'user' });
    expect(body.messages[3].content).toContain('<tool_result name="read_file" id="call_1">');
    expect(r.text.trim()).toBe('Let me look.');
    expect(r.toolCalls.map((c) => [c.toolName, c.args])).toEqual([['read_file', { path: 'README.md' }]]);
    expect(r.finishReason).toBe('tool-calls');
  });

  it('toolMode forces the text protocol on a native-tools provider', async () => {
    const server = await serve([{ toolCalls: [{ name: 'finish', args: { summary: 'ok' } }], faults: { malformedToolJson: true } }]);
    const r = await collectStream(createModel('openai:m', { baseUrl: server.url, toolMode: 'text' }).stream({ messages: [{ role: 'user', content: 'go' }], tools: TOOLS }));
    expect(server.requests[0].tools).toBeUndefined();
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]).toMatchObject({ toolName: 'finish', args: { summary: 'ok' }, repaired: true });
  });

  it('a function script sees each request and its turn index', async () => {
    const server = await serve((body, turnIndex) => ({ text: `turn ${turnIndex}: ${body.messages.at(-1).content}` }));
    const model = createModel('openai:m', { baseUrl: server.url });
    const a = await collectStream(model.stream({ messages: [{ role: 'user', content: 'alpha' }] }));
    const b = await collectStream(model.stream({ messages: [{ role: 'user', content: 'beta' }] }));
    expect([a.text, b.text]).toEqual(['turn 0: alpha', 'turn 1: beta']);
  });

  it('a script that runs out answers with a clear, non-retried error', async () => {
    const server = await serve([]);
    const r = await collectStream(createModel('openai:m', { baseUrl: server.url, retry: FAST_RETRY }).stream({ messages: [{ role: 'user', content: 'go' }] }));
    expect(r.error).toContain('script exhausted');
    expect(server.requests).toHaveLength(1);
  });
});
