import { describe, expect, it } from 'vitest';
import { startFakeLlm } from '../../../test/fake-llm/server';
import { collectStream } from '../collect-stream';
import { createModel } from '../create-model';
import { costOf, findPrice } from '../pricing';
import { replayBody } from '../replay';
import { detectVendor, openAiUsage, vendorOfModel } from './vendors';

/** An xAI-shaped body whose usage has no total_tokens, so only the vendor can say what it means. */
function grokBody(model: string): string {
  const chunk = (o: object) => `data: ${JSON.stringify(o)}\n\n`;
  return [
    chunk({ id: 'g', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Hm.' } }] }),
    chunk({ id: 'g', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] }),
    chunk({ id: 'g', object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 10, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 40 } } }),
    'data: [DONE]\n\n',
  ].join('');
}

describe('vendors behind OpenAI-compatible endpoints', () => {
  it('are recognised by host first, then by model id', () => {
    expect(detectVendor({ baseUrl: 'https://api.x.ai/v1/chat/completions', modelId: 'anything' })).toBe('xai');
    expect(detectVendor({ baseUrl: 'https://openrouter.ai/api/v1', modelId: 'x-ai/grok-4' })).toBe('openrouter');
    expect(detectVendor({ baseUrl: 'http://127.0.0.1:8000/v1', modelId: 'grok-3-mini' })).toBe('xai');
    expect(detectVendor({ baseUrl: 'https://my-res.openai.azure.com/openai/deployments/x', modelId: 'gpt-5' })).toBe('azure');
    expect(detectVendor({ baseUrl: 'http://127.0.0.1:8000/v1', modelId: 'qwen2.5-coder' })).toBe('alibaba');
    expect(detectVendor({ baseUrl: 'http://127.0.0.1:8000/v1', modelId: 'my-finetune' })).toBeUndefined();
    expect(vendorOfModel('magistral-medium-2507')).toBe('mistral');
    expect(vendorOfModel('gpt-4.1-mini')).toBe('openai');
    expect(vendorOfModel('o3')).toBe('openai');
  });

  it('usage: the numbers decide where reasoning tokens sit when total_tokens says so, whatever the vendor', () => {
    // total = prompt + completion + reasoning → outside completion (xAI's way), even if the host is unknown
    expect(openAiUsage({ prompt_tokens: 12, completion_tokens: 1, total_tokens: 303, completion_tokens_details: { reasoning_tokens: 290 } }, undefined)).toMatchObject({ outputTokens: 291, reasoningTokens: 290 });
    // total = prompt + completion → inside (OpenAI's way), even if the model looks like grok
    expect(openAiUsage({ prompt_tokens: 12, completion_tokens: 300, total_tokens: 312, completion_tokens_details: { reasoning_tokens: 290 } }, 'xai')).toMatchObject({ outputTokens: 300 });
    // no total: the vendor's rule
    expect(openAiUsage({ prompt_tokens: 10, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 40 } }, 'xai')).toMatchObject({ outputTokens: 42 });
    expect(openAiUsage({ prompt_tokens: 10, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 40 } }, 'openai')).toMatchObject({ outputTokens: 50 });
    // DeepSeek's cache hits
    expect(openAiUsage({ prompt_tokens: 500, completion_tokens: 2, prompt_cache_hit_tokens: 448 }, 'deepseek')).toEqual({ inputTokens: 500, outputTokens: 2, cacheReadTokens: 448 });
  });

  it('the model named in the stream decides when nothing else does (replay without a base URL)', () => {
    expect(replayBody('openai', grokBody('grok-3-mini'), 7).usage).toEqual({ inputTokens: 10, outputTokens: 42, reasoningTokens: 40 });
    expect(replayBody('openai', grokBody('some-local-model'), 7).usage).toEqual({ inputTokens: 10, outputTokens: 2, reasoningTokens: 40 });
    expect(replayBody('openai', grokBody('some-local-model'), 7, { vendor: 'xai' }).usage).toEqual({ inputTokens: 10, outputTokens: 42, reasoningTokens: 40 });
  });

  it('createModel passes the vendor it reads from the model id to the decoder, and the price follows', async () => {
    const llm = await startFakeLlm({ script: () => ({ raw: grokBody('served-name-differs') }) });
    try {
      const model = createModel('openai:grok-3-mini', { baseUrl: llm.url, apiKey: 'k', retry: { maxRetries: 0 } });
      const r = await collectStream(model.stream({ messages: [{ role: 'user', content: 'hi' }] }));
      expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 42, reasoningTokens: 40 });
      expect(findPrice('openai:grok-3-mini')).toEqual({ input: 0.3, output: 0.5, cacheRead: 0.075 });
      expect(costOf('openai:grok-3-mini', r.usage)).toBeCloseTo((10 * 0.3 + 42 * 0.5) / 1e6, 15);
      expect(findPrice('openai:x-ai/grok-3-mini')).toEqual(findPrice('xai:grok-3-mini'));
      expect(findPrice('openai:my-local-vllm-model')).toBeUndefined();
    } finally {
      await llm.close();
    }
  });
});
