import { createModel } from './create-model';
import type { LanguageModel } from './types';

/** The model a run uses when nobody named one (`NIGHTSHIFT_DEFAULT_MODEL` overrides it). */
export const DEFAULT_MODEL = 'anthropic:claude-sonnet-4-5';

/** The deployment's default model: `NIGHTSHIFT_DEFAULT_MODEL`, else {@link DEFAULT_MODEL}. */
export function defaultModelName(env: Record<string, string | undefined> = process.env): string {
  return env.NIGHTSHIFT_DEFAULT_MODEL?.trim() || DEFAULT_MODEL;
}

export type ModelSettings = {
  /**
   * Provider keys and hosts (`ANTHROPIC_API_KEY`, `OPENAI_BASE_URL`, `OLLAMA_HOST`, `OLLAMA_API_KEY`…):
   * an organisation's secrets. A name missing here is read from the process environment.
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
  const env = { ...process.env, ...dropEmpty(settings.env ?? {}) };
  return createModel(name, { env, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
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
