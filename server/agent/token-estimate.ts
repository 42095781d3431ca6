/**
 * Prompt-size estimates without a tokenizer per model: characters per token measured roughly
 * for each family's tokenizer on mixed code and prose. Good to ±15 %, which the compaction
 * budget absorbs; the provider's reported usage corrects the running figure each turn.
 */
export const MODEL_FAMILIES = ['anthropic', 'openai', 'llama', 'qwen', 'generic'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

const CHARS_PER_TOKEN: Record<ModelFamily, number> = {
  anthropic: 3.5,
  openai: 3.9,
  llama: 3.7,
  qwen: 3.6,
  // Unknown tokenizers are assumed to be on the small side, so estimates err high.
  generic: 3.3,
};

/** Per-message framing (role markers, tool-call wrappers) tokens. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function modelFamily(provider: string, modelId: string): ModelFamily {
  const id = modelId.toLowerCase();
  if (provider === 'anthropic' || id.includes('claude')) return 'anthropic';
  if (id.includes('qwen')) return 'qwen';
  if (id.includes('llama') || id.includes('mistral') || id.includes('codestral')) return 'llama';
  if (provider === 'openai' || /^(gpt|o\d)/.test(id)) return 'openai';
  return 'generic';
}

export function estimateTokens(text: string, family: ModelFamily = 'generic'): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN[family]);
}
