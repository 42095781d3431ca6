import { costOf, DEFAULT_PRICES, type PriceTable } from './pricing';
import type { Usage } from './types';

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Cost of the priced calls in USD. */
  costUsd: number;
  /** Models that were used but have no price, so `costUsd` is a lower bound. */
  unpricedModels: string[];
}

export interface UsageAccumulator {
  /** Records one call's usage for `provider:model`. Returns that call's cost (undefined if unpriced). */
  add(model: string, usage: Usage): number | undefined;
  totals(): UsageTotals;
  byModel(): Record<string, UsageTotals>;
}

function empty(): UsageTotals {
  return { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, unpricedModels: [] };
}

function addInto(t: UsageTotals, model: string, usage: Usage, cost: number | undefined): void {
  t.calls++;
  t.inputTokens += usage.inputTokens;
  t.outputTokens += usage.outputTokens;
  t.cacheReadTokens += usage.cacheReadTokens ?? 0;
  t.cacheWriteTokens += usage.cacheWriteTokens ?? 0;
  if (cost === undefined) {
    if (!t.unpricedModels.includes(model)) t.unpricedModels.push(model);
  } else {
    t.costUsd += cost;
  }
}

/** Totals for one run (all its agents and turns), priced with `table`. */
export function createUsageAccumulator(table: PriceTable = DEFAULT_PRICES): UsageAccumulator {
  const total = empty();
  const models = new Map<string, UsageTotals>();
  return {
    add(model, usage) {
      const cost = costOf(model, usage, table);
      addInto(total, model, usage, cost);
      let m = models.get(model);
      if (!m) models.set(model, (m = empty()));
      addInto(m, model, usage, cost);
      return cost;
    },
    totals: () => ({ ...total, unpricedModels: [...total.unpricedModels] }),
    byModel: () => Object.fromEntries([...models].map(([k, v]) => [k, { ...v, unpricedModels: [...v.unpricedModels] }])),
  };
}
