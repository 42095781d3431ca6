/** Phrases of a model declining to act; a refusal gets the same nudge as a monologue, said more firmly. */
const REFUSAL = /\b(I can(?:no|')t|I cannot|I am unable|I'm unable|I won't|as an AI|I don't have (?:access|the ability))\b/i;

export type ToollessKind = 'refusal' | 'monologue';

/**
 * Classifies a turn that called no tool. `providerRefusal` is set when the provider itself
 * marked the answer a refusal (its text may be empty): that is a refusal whatever the wording.
 */
export function classifyToolless(text: string, providerRefusal?: string): ToollessKind {
  if (providerRefusal !== undefined) return 'refusal';
  return REFUSAL.test(text) ? 'refusal' : 'monologue';
}
