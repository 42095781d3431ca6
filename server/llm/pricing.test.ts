import { describe, expect, it } from 'vitest';
import { costOf, findPrice } from './pricing';
import { createUsageAccumulator } from './usage-accumulator';

describe('pricing', () => {
  it('matches dated model ids to their family price', () => {
    expect(findPrice('anthropic:claude-sonnet-4-5-20250929')).toEqual(findPrice('anthropic:claude-sonnet-4-5'));
    // the longest key wins: gpt-4o-mini is not priced as gpt-4o
    expect(findPrice('openai:gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    expect(findPrice('ollama:qwen3:32b')).toEqual({ input: 0, output: 0 });
    expect(findPrice('openai:my-local-vllm-model')).toBeUndefined();
  });

  it('prices cache reads and writes apart from fresh input', () => {
    const table = { 'anthropic:m': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } };
    const cost = costOf('anthropic:m', { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 600_000, cacheWriteTokens: 200_000 }, table);
    // 200k fresh × 3 + 600k × 0.3 + 200k × 3.75 + 100k × 15, per million
    expect(cost).toBeCloseTo(0.6 + 0.18 + 0.75 + 1.5, 10);
  });

  it('accumulates run totals per model and lists unpriced models', () => {
    const acc = createUsageAccumulator({ 'openai:a': { input: 1, output: 2 } });
    acc.add('openai:a', { inputTokens: 1_000_000, outputTokens: 0 });
    acc.add('openai:a', { inputTokens: 0, outputTokens: 500_000 });
    const unpriced = acc.add('openai:b', { inputTokens: 10, outputTokens: 10, cacheReadTokens: 5 });
    expect(unpriced).toBeUndefined();
    expect(acc.totals()).toEqual({ calls: 3, inputTokens: 1_000_010, outputTokens: 500_010, cacheReadTokens: 5, cacheWriteTokens: 0, costUsd: 2, unpricedModels: ['openai:b'] });
    expect(acc.byModel()['openai:a']).toMatchObject({ calls: 2, costUsd: 2 });
  });
});
