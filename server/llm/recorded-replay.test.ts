import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { collectStream } from './collect-stream';
import { createModel } from './create-model';
import { costOf } from './pricing';
import { replayBody, summarizeResponse } from './replay';
import { listRecordedFixtures, type RecordedFixture } from './testing/fixtures';

/**
 * Fixtures reproducing wire shapes seen in real provider recordings (test/fixtures/llm/recorded,
 * sources in its SOURCES.md): each must assemble to its reference whatever the chunking.
 */
const fixtures = listRecordedFixtures();
const CHUNK_SIZES = [1, 2, 7, 13, 64, 0] as const;

it('covers every provider family with more than one shape', () => {
  const byProvider = new Map<string, number>();
  for (const f of fixtures) byProvider.set(f.provider, (byProvider.get(f.provider) ?? 0) + 1);
  for (const p of ['anthropic', 'openai', 'xai', 'mistral', 'deepseek', 'groq', 'ollama']) expect(byProvider.get(p) ?? 0).toBeGreaterThanOrEqual(2);
});

describe.each(fixtures.map((f) => [`${f.provider}/${f.name}`, f] as [string, RecordedFixture]))('recorded shape %s', (_label, fx) => {
  it.each(CHUNK_SIZES)('assembles to its reference at %i-byte chunks (0 = whole body)', (size) => {
    expect(replayBody(fx.dialect, fx.body, size)).toEqual(fx.expected);
  });
});

describe('recorded shapes through the fake server and a real provider adapter', () => {
  let llm: FakeLlm;
  let current = { body: '', split: 1 };
  beforeAll(async () => {
    llm = await startFakeLlm({ script: () => ({ raw: current.body, faults: { splitBytes: current.split } }) });
  });
  afterAll(() => llm.close());

  it.each(fixtures.map((f, i) => [`${f.provider}/${f.name}`, f, [1, 5, 64][i % 3]] as const))('%s', async (_label, fx, split) => {
    current = { body: fx.body.toString('utf8'), split };
    const model = createModel(`${fx.dialect}:fixture-model`, { baseUrl: llm.url, apiKey: 'test', retry: { maxRetries: 0 } });
    const summary = summarizeResponse(await collectStream(model.stream({ messages: [{ role: 'user', content: 'replay' }] })));
    // Calls the provider sent without an id get per-stream ids from the adapter.
    summary.toolCalls.forEach((call, i) => {
      const want = fx.expected.toolCalls[i]?.id ?? '';
      if (want && !fx.body.includes(`"${want}"`)) {
        expect(call.id).toMatch(/^call_[0-9a-f]{8}_\d+$/);
        call.id = want;
      }
    });
    expect(summary).toEqual(fx.expected);
  });
});

describe('xAI usage is what xAI bills', () => {
  // The recorded shape carries xAI's own bill: cost_in_usd_ticks, in units of 1e-10 USD.
  for (const fx of fixtures.filter((f) => f.provider === 'xai')) {
    it(`${fx.name}: output = completion + reasoning tokens, and cost × 1e10 = cost_in_usd_ticks`, () => {
      const ticks = Number(/"cost_in_usd_ticks":(\d+)/.exec(fx.body.toString('utf8'))?.[1]);
      const summary = replayBody('openai', fx.body, 64);
      const cost = costOf('openai:grok-3-mini', summary.usage);
      expect(cost).toBeDefined();
      expect(Math.round(cost! * 1e10)).toBe(ticks);
    });
  }
});
