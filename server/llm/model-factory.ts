import { createModel } from './create-model';
import { ENV_KEYS } from './provider-config';
import type { LanguageModel } from './types';

/** The model a run uses when nobody named one (`NIGHTSHIFT_DEFAULT_MODEL` overrides it). */
export const DEFAULT_MODEL = 'anthropic:claude-sonnet-4-5';

/** The deployment's default model: `NIGHTSHIFT_DEFAULT_MODEL`, else {@link DEFAULT_MODEL}. */
export function defaultModelName(env: Record<string, string | undefined> = process.env): string {
  return env.NIGHTSHIFT_DEFAULT_MODEL?.trim() || DEFAULT_MODEL;
}

/** What an organisation chose (Settings → Models): one model for everything, and overrides per role. */
export type OrgModelChoice = {
  /** The organisation's default model; null or absent: the deployment's. */
  defaultModel?: string | null;
  /** A model per role (`planner`, `architect`, `developer`, `qa`, `reviewer`). */
  roles?: Record<string, string | undefined>;
};

/**
 * The model name a use runs with — the one rule for the planner, the roles, "Ask about this
 * repository", evals and runs started through the API: the caller's explicit choice, else the
 * organisation's model for that role, else the organisation's default, else the deployment's
 * ({@link defaultModelName}).
 * @example chooseModelName({ role: 'planner' }, { defaultModel: 'openai:gpt-4.1', roles: { qa: 'ollama:qwen3' } }) // 'openai:gpt-4.1'
 */
export function chooseModelName(
  use: { explicit?: string | null; role?: string },
  org: OrgModelChoice = {},
  env: Record<string, string | undefined> = process.env,
): string {
  const pick = (v: string | null | undefined) => (v && v.trim() ? v.trim() : undefined);
  return pick(use.explicit) ?? (use.role ? pick(org.roles?.[use.role]) : undefined) ?? pick(org.defaultModel) ?? defaultModelName(env);
}

export type ModelSettings = {
  /**
   * Provider keys and hosts (`ANTHROPIC_API_KEY`, `OPENAI_BASE_URL`, `OLLAMA_HOST`, `OLLAMA_API_KEY`…):
   * an organisation's secrets. A provider the organisation set nothing for is read from the
   * process environment (see {@link providerEnv}).
   */
  env?: Record<string, string | undefined>;
  /** Points every model of this factory at one endpoint (`--base-url`: vLLM, llama.cpp, the test fake). */
  baseUrl?: string;
};

/**
 * The one way the product turns a `provider:model` name into a model: keys and hosts from the
 * organisation's settings first, then the process environment.
 * @example modelFromSettings('ollama:qwen2.5-coder', { env: { OLLAMA_HOST: 'gpu-box:11434', OLLAMA_API_KEY: 'k' } })
 */
export function modelFromSettings(name: string, settings: ModelSettings = {}): LanguageModel {
  return createModel(name, { env: providerEnv(settings.env ?? {}), ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
}

/**
 * The environment a model reads its key and host from: the organisation's settings over the
 * process environment — except that a provider's key and base URL come as a pair from one place.
 * When the organisation set either for a provider, the server's own key (or URL) for that provider
 * is not used: a base URL an organisation admin chose must never receive the deployment's key.
 */
export function providerEnv(org: Record<string, string | undefined>, processEnv: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const own = dropEmpty(org);
  const env: Record<string, string | undefined> = { ...processEnv, ...own };
  for (const keys of Object.values(ENV_KEYS)) {
    if (!(keys.apiKey in own) && !(keys.baseUrl in own)) continue;
    for (const name of [keys.apiKey, keys.baseUrl]) if (!(name in own)) delete env[name];
  }
  return env;
}

/** The models of one task: the task's own, and the one each role runs with when it differs. */
export type ModelResolver = {
  /** The task's (or run's) model name. */
  readonly name: string;
  readonly model: LanguageModel;
  /** The model `role` runs with: `roleModel(role)` when given and set, else the task's. */
  forRole(role: string): { model: LanguageModel; modelName: string };
};

/**
 * Builds the models of a task once each (a model is a small object, but a provider's retry state
 * and connection reuse are per instance).
 * @example createModelResolver({ model: 'openai:gpt-4o', settings: { env }, roleModel: (r) => defaults[r] })
 */
export function createModelResolver(opts: { model: string; settings?: ModelSettings; roleModel?: (role: string) => string | undefined }): ModelResolver {
  const built = new Map<string, LanguageModel>();
  const get = (name: string) => {
    let m = built.get(name);
    if (!m) built.set(name, (m = modelFromSettings(name, opts.settings)));
    return m;
  };
  const main = get(opts.model);
  return {
    name: opts.model,
    model: main,
    forRole(role) {
      const name = opts.roleModel?.(role) || opts.model;
      return { model: get(name), modelName: name };
    },
  };
}

function dropEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v) out[k] = v;
  return out;
}
