import { PROVIDERS, type ProviderName } from './types';

/** A model name that is not `provider:model`, or names an unknown provider. */
export class ModelNameError extends Error {
  constructor(name: string) {
    super(`model "${name}" must be written provider:model, where provider is one of ${PROVIDERS.join(', ')} (for example anthropic:claude-sonnet-4-5)`);
    this.name = 'ModelNameError';
  }
}

export function parseModelName(name: string): { provider: ProviderName; modelId: string } {
  const at = name.indexOf(':');
  const provider = name.slice(0, at) as ProviderName;
  const modelId = name.slice(at + 1);
  if (at <= 0 || !modelId || !PROVIDERS.includes(provider)) throw new ModelNameError(name);
  return { provider, modelId };
}
