import { PROVIDERS } from '../llm/types';

/** The roles an organisation can pick a default model for. */
export const MODEL_ROLES = ['planner', 'architect', 'developer', 'qa', 'reviewer'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];
export type DefaultModels = Partial<Record<ModelRole, string>>;

/**
 * Why `name` is not a usable `provider:model` name, or null when it is.
 * @example modelNameProblem('anthropic:claude-sonnet-4-5') // null
 */
export function modelNameProblem(name: string): string | null {
  const at = name.indexOf(':');
  const provider = at > 0 ? name.slice(0, at) : '';
  if (!(PROVIDERS as readonly string[]).includes(provider)) return `must start with a known provider (${PROVIDERS.map((p) => `${p}:`).join(', ')}), e.g. anthropic:claude-sonnet-4-5`;
  const model = name.slice(at + 1).trim();
  if (!model) return `needs a model after "${provider}:", e.g. ${provider}:${provider === 'anthropic' ? 'claude-sonnet-4-5' : provider === 'openai' ? 'gpt-4.1' : 'qwen2.5-coder'}`;
  if (/\s/.test(name)) return 'must not contain spaces';
  return null;
}

/**
 * The model a role runs with: the organisation's default for that role when one is set (and still
 * valid), otherwise the fallback (the task's or run's model).
 */
export function resolveRoleModel(defaults: Record<string, string> | undefined, role: string, fallback: string): string {
  const chosen = defaults?.[role]?.trim();
  return chosen && modelNameProblem(chosen) === null ? chosen : fallback;
}
