import { describe, expect, it } from 'vitest';
import { DEFAULT_ESTIMATE, fitEstimator, forecastPlan } from './forecast';
import type { PlanTask } from './types';

const TASKS: PlanTask[] = [
  { id: 'a', files: ['src/x.ts', 'src/y.ts'] },
  { id: 'b', files: ['src/x.ts'] },
  { id: 'c', files: ['src/z.ts'], dependsOn: ['a'] },
];
const PRICES = { 'anthropic:test-model': { input: 3, output: 15 } };

describe('forecastPlan', () => {
  it('previews waves, predicted conflicts and default estimates by file count', async () => {
    const f = await forecastPlan(TASKS, { model: 'anthropic:test-model', prices: PRICES });
    if (!f.ok) throw new Error(f.error.message);
    expect(f.waves).toEqual([['a'], ['b', 'c']]);
    expect(f.conflicts).toEqual([{ tasks: ['a', 'b'], files: ['src/x.ts'], separatedBy: '"a" in wave 1, "b" in wave 2' }]);
    const a = f.tasks.find((t) => t.id === 'a')!;
    expect(a.basis).toBe('default');
    expect(a.inputTokens).toBe(DEFAULT_ESTIMATE.inputBase + 2 * DEFAULT_ESTIMATE.inputPerFile);
    expect(a.outputTokens).toBe(DEFAULT_ESTIMATE.outputBase + 2 * DEFAULT_ESTIMATE.outputPerFile);
    expect(a.costUsd).toBeCloseTo((a.inputTokens * 3 + a.outputTokens * 15) / 1e6, 4);
    expect(f.totals.inputTokens).toBe(f.tasks.reduce((s, t) => s + t.inputTokens, 0));
  });

  it('estimates from history when there is enough of it', async () => {
    const history = [
      { files: 1, inputTokens: 20_000, outputTokens: 2_000 },
      { files: 2, inputTokens: 30_000, outputTokens: 3_000 },
      { files: 4, inputTokens: 50_000, outputTokens: 5_000 },
    ];
    const est = fitEstimator(history);
    expect(est.basis).toBe('history');
    expect(est.inputPerFile).toBeCloseTo(10_000);
    expect(est.inputBase).toBeCloseTo(10_000);
    const f = await forecastPlan(TASKS, { model: 'anthropic:test-model', prices: PRICES, history });
    expect(f.ok && f.tasks.find((t) => t.id === 'b')).toMatchObject({ inputTokens: 20_000, outputTokens: 2_000, basis: 'history' });
  });

  it('leaves cost empty and warns for a model without a price', async () => {
    const f = await forecastPlan(TASKS, { model: 'ollama:unknown', prices: PRICES });
    expect(f.ok && f.tasks.every((t) => t.costUsd === null)).toBe(true);
    expect(f.ok && f.warnings[0]).toMatch(/no price for model "ollama:unknown"/);
  });

  it('refuses a cyclic plan', async () => {
    const f = await forecastPlan([{ id: 'a', files: ['a'], dependsOn: ['a'] }], { model: 'm', prices: {} });
    expect(!f.ok && f.error.kind).toBe('cycle');
  });
});
