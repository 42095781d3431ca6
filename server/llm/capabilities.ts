import type { ModelCapabilities, ProviderName } from './types';

/**
 * Ollama model families that support native tool calling (per the Ollama library's "tools"
 * tag). Others get the text protocol. Extend this list, or pass `capabilities` / `toolMode` to
 * `createModel`, when a model is missing.
 */
const OLLAMA_TOOL_MODELS = [
  /^llama3\.[1-9]/, /^llama4/, /^qwen2\.5/, /^qwen3/, /^qwq/, /^mistral/, /^mixtral/, /^devstral/, /^magistral/,
  /^command-r/, /^firefunction/, /^hermes3/, /^granite3/, /^granite4/, /^deepseek-v3/, /^gpt-oss/, /^smollm2/,
  /^phi4-mini/, /^nemotron/, /^cogito/, /^athene-v2/,
];
const OLLAMA_THINKING_MODELS = [/^qwen3/, /^deepseek-r1/, /^gpt-oss/, /^magistral/, /^qwq/, /^cogito/];

/** What a model can do, by provider and model id. */
export function defaultCapabilities(provider: ProviderName, modelId: string): ModelCapabilities {
  switch (provider) {
    case 'anthropic':
      return { nativeTools: true, reasoning: true, promptCaching: true };
    case 'openai':
      // OpenAI-compatible servers are assumed to implement `tools`; a server that does not can
      // be switched to the text protocol with toolMode: 'text'.
      return { nativeTools: true, reasoning: false, promptCaching: false };
    case 'ollama': {
      const name = modelId.toLowerCase().replace(/^.*\//, '');
      return {
        nativeTools: OLLAMA_TOOL_MODELS.some((re) => re.test(name)),
        reasoning: OLLAMA_THINKING_MODELS.some((re) => re.test(name)),
        promptCaching: false,
      };
    }
  }
}
