import type { PromptLibrary } from './library';
import { renderTemplate, type PromptKind, type PromptTemplate } from './template';

export interface ComposeInput {
  role: string;
  phase: string;
  family: string;
  stack: string[];
  /** Failure modes seen recently (detector names, `test-failing`, `edit-refused`…). */
  failures: string[];
  variables: Record<string, string>;
}

export interface ComposedPrompt {
  text: string;
  used: Array<{ id: string; version: string }>;
  missingVariables: string[];
}

const ORDER: PromptKind[] = ['base', 'role', 'phase', 'family', 'stack', 'failure'];

function matches(t: PromptTemplate, input: ComposeInput): boolean {
  if (t.roles.length && !t.roles.includes(input.role)) return false;
  switch (t.kind) {
    case 'base':
    case 'role':
      return t.roles.length === 0 ? t.kind === 'base' : true;
    case 'phase':
      return t.phases.includes(input.phase);
    case 'family':
      return t.families.includes(input.family);
    case 'stack':
      return t.stacks.some((s) => input.stack.includes(s));
    case 'failure':
      return t.when.some((w) => input.failures.includes(w));
  }
}

/**
 * Composes one system prompt: base rules, the role, its phase, guidance for the model family,
 * the repository's stack, then guidance for the failures seen recently.
 */
export function composeSystemPrompt(library: PromptLibrary, input: ComposeInput): ComposedPrompt {
  const picked = [...library.templates.values()].filter((t) => matches(t, input));
  picked.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
  if (!picked.some((t) => t.kind === 'role')) throw new Error(`no prompt for role "${input.role}" (expected a prompt with kind: role, role: ${input.role})`);
  const variables = { role: input.role, phase: input.phase, family: input.family, stack: input.stack.join(', ') || 'unknown', ...input.variables };
  const missing = new Set<string>();
  const parts = picked.map((t) => {
    const r = renderTemplate(t.body, variables);
    r.missing.forEach((m) => missing.add(m));
    return r.text.trim();
  });
  return { text: parts.filter(Boolean).join('\n\n'), used: picked.map((t) => ({ id: t.id, version: t.version })), missingVariables: [...missing] };
}
