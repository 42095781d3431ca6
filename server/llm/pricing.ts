import { vendorOfModel } from './dialects/vendors';
import type { Usage } from './types';

/**
 * Prices in US dollars per million tokens. This is data, meant to be edited: providers change
 * prices, and deployments may add their own models (or pass a table to `costOf`). Keys are
 * `provider:model`; a key also matches dated or suffixed ids that start with it
 * (`anthropic:claude-sonnet-4-5` prices `anthropic:claude-sonnet-4-5-20250929`).
 * A `provider:*` key prices every model of that provider (local Ollama models cost nothing).
 * Figures are list prices as published by the providers in late 2025.
 */
export interface ModelPrice {
  input: number;
  output: number;
  /** Reading cached prompt tokens; defaults to `input` when absent. */
  cacheRead?: number;
  /** Writing the prompt cache; defaults to `input` when absent. */
  cacheWrite?: number;
}

export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES: PriceTable = {
  'anthropic:claude-opus-4-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'anthropic:claude-opus-4-1': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'anthropic:claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic:claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic:claude-3-7-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'anthropic:claude-3-5-haiku': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  'openai:gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 },
  'openai:gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
  'openai:gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  'openai:gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4, cacheRead: 0.025 },
  'openai:gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  'openai:o3': { input: 2, output: 8, cacheRead: 0.5 },
  'openai:o4-mini': { input: 1.1, output: 4.4, cacheRead: 0.275 },
  // xAI (docs.x.ai "Models and Pricing"); cached input is part of prompt_tokens. A grok model
  // reached through the openai provider (`openai:grok-3-mini` at api.x.ai) is priced here too.
  'xai:grok-3': { input: 3, output: 15, cacheRead: 0.75 },
  'xai:grok-3-fast': { input: 5, output: 25, cacheRead: 1.25 },
  'xai:grok-3-mini': { input: 0.3, output: 0.5, cacheRead: 0.075 },
  'xai:grok-3-mini-fast': { input: 0.6, output: 4, cacheRead: 0.15 },
  'xai:grok-4-1-fast-reasoning': { input: 0.2, output: 0.5, cacheRead: 0.05 },
  'xai:grok-4-1-fast-non-reasoning': { input: 0.2, output: 0.5, cacheRead: 0.05 },
  'xai:grok-4.3': { input: 1.25, output: 2.5, cacheRead: 0.2 },
  'ollama:*': { input: 0, output: 0 },
};

const PER_MILLION = 1_000_000;

/**
 * Finds the price of `provider:model`: exact key, then the longest key it starts with, then —
 * for a model served through the OpenAI-compatible provider — the same lookup under the vendor the
 * model id names (`openai:grok-3-mini` → `xai:grok-3-mini`), then `provider:*`.
 */
export function findPrice(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  const own = lookup(model, table);
  if (own) return own;
  const at = model.indexOf(':');
  const provider = model.slice(0, at);
  const modelId = model.slice(at + 1);
  const vendor = provider === 'openai' ? vendorOfModel(modelId) : undefined;
  if (vendor && vendor !== 'openai') {
    const viaVendor = lookup(`${vendor}:${modelId.replace(/^.*\//, '')}`, table);
    if (viaVendor) return viaVendor;
  }
  return table[`${provider}:*`];
}

function lookup(model: string, table: PriceTable): ModelPrice | undefined {
  if (table[model]) return table[model];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (key.endsWith(':*')) continue;
    if (model.startsWith(key) && /^[-_.:@]/.test(model.slice(key.length)) && (!best || key.length > best.length)) best = key;
  }
  return best ? table[best] : undefined;
}

/**
 * Cost in USD of one call, or `undefined` when the model has no price (callers report such
 * usage as unpriced rather than as free).
 */
export function costOf(model: string, usage: Usage, table: PriceTable = DEFAULT_PRICES): number | undefined {
  const price = findPrice(model, table);
  if (!price) return undefined;
  const read = usage.cacheReadTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - read - write);
  return (
    (uncached * price.input +
      read * (price.cacheRead ?? price.input) +
      write * (price.cacheWrite ?? price.input) +
      usage.outputTokens * price.output) /
    PER_MILLION
  );
}
