/** Phrases of a model declining to act; a refusal gets the same nudge as a monologue, said more firmly. */
const REFUSAL = /\b(I can(?:no|')t|I cannot|I am unable|I'm unable|I won't|as an AI|I don't have (?:access|the ability))\b/i;

export type ToollessKind = 'refusal' | 'monologue';

/** Classifies a turn that called no tool. */
export function classifyToolless(text: string): ToollessKind {
  return REFUSAL.test(text) ? 'refusal' : 'monologue';
}
