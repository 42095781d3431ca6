import { describe, expect, it } from 'vitest';
import { endpointUrl } from '../provider-config';
import type { Message } from '../types';
import { anthropicRequestBody } from './anthropic-request';
import { ollamaRequestBody } from './ollama-request';
import { openAiRequestBody } from './openai-request';

const NO_ARG_TOOL = { name: 'list_files', description: 'List', parameters: {} };

describe('request bodies', () => {
  it('gives argument-less tools an explicit object schema in every dialect', () => {
    const req = { messages: [{ role: 'user' as const, content: 'x' }], tools: [NO_ARG_TOOL] };
    const objectSchema = { type: 'object', properties: {} };
    expect((anthropicRequestBody('m', req).tools as any[])[0].input_schema).toEqual(objectSchema);
    expect((openAiRequestBody('m', req).tools as any[])[0].function.parameters).toEqual(objectSchema);
    expect((ollamaRequestBody('m', req).tools as any[])[0].function.parameters).toEqual(objectSchema);
  });

  it('anthropic: merges tool results with a following user nudge and drops unsigned reasoning', () => {
    const messages: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'from another provider' }, { type: 'tool-call', id: 't1', toolName: 'f', args: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'f', result: 'failed', isError: true }] },
      { role: 'user', content: 'try again' },
    ];
    const body = anthropicRequestBody('m', { messages });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'failed', is_error: true }, { type: 'text', text: 'try again' }] },
    ]);
    expect(body.max_tokens).toBe(8192);
  });

  it('openai and ollama mark failed tool results in the text', () => {
    const messages: Message[] = [{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'f', result: 'no such file', isError: true }] }];
    expect((openAiRequestBody('m', { messages }).messages as any[])[0]).toEqual({ role: 'tool', tool_call_id: 't1', content: 'Error: no such file' });
    expect((ollamaRequestBody('m', { messages }).messages as any[])[0]).toEqual({ role: 'tool', content: 'Error: no such file', tool_name: 'f' });
  });

  it('completes bare base URLs with each provider path', () => {
    expect(endpointUrl('openai', 'http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/v1/chat/completions');
    expect(endpointUrl('openai', 'https://openrouter.ai/api/v1/')).toBe('https://openrouter.ai/api/v1/chat/completions');
    expect(endpointUrl('anthropic', 'https://api.anthropic.com')).toBe('https://api.anthropic.com/v1/messages');
    expect(endpointUrl('anthropic', 'http://proxy/v1')).toBe('http://proxy/v1/messages');
    expect(endpointUrl('ollama', '127.0.0.1:11434')).toBe('http://127.0.0.1:11434/api/chat');
  });
});
