import { randomBytes } from 'node:crypto';
import { defaultCapabilities } from './capabilities';
import { anthropicRequestBody } from './dialects/anthropic-request';
import { ollamaRequestBody } from './dialects/ollama-request';
import { openAiRequestBody } from './dialects/openai-request';
import { detectVendor } from './dialects/vendors';
import { httpStream, type TransportOptions } from './http-stream';
import { ANTHROPIC_VERSION, DEFAULT_BASE_URLS, endpointUrl, ENV_KEYS } from './provider-config';
import { parseTextToolCalls, toTextProtocolRequest } from './text-protocol';
import { type Dialect, type LanguageModel, type ModelCapabilities, type ModelRequest, type StreamPart } from './types';
import { observedStream } from './observe';
import { parseModelName } from './model-name';

export interface CreateModelOptions extends TransportOptions {
  baseUrl?: string;
  apiKey?: string;
  /** Overrides what the model is assumed to support. */
  capabilities?: Partial<ModelCapabilities>;
  /** Forces native tool calling or the text protocol regardless of capabilities. */
  toolMode?: 'native' | 'text';
  /** Extra request headers (OpenRouter attribution, proxies). */
  headers?: Record<string, string>;
  /** Environment to read keys and hosts from; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export { ModelNameError, parseModelName } from './model-name';

/**
 * Creates a streaming model from `provider:model`.
 * @example
 *   const model = createModel('openai:qwen2.5-coder', { baseUrl: 'http://127.0.0.1:8000/v1' });
 *   for await (const part of model.stream({ messages: [{ role: 'user', content: 'hi' }] })) …
 */
export function createModel(name: string, options: CreateModelOptions = {}): LanguageModel {
  const { provider, modelId } = parseModelName(name);
  const env = options.env ?? process.env;
  const keys = ENV_KEYS[provider];
  const baseUrl = options.baseUrl ?? env[keys.baseUrl] ?? DEFAULT_BASE_URLS[provider];
  const apiKey = options.apiKey ?? env[keys.apiKey];
  const capabilities: ModelCapabilities = { ...defaultCapabilities(provider, modelId), ...options.capabilities };
  const nativeTools = options.toolMode ? options.toolMode === 'native' : capabilities.nativeTools;
  const url = endpointUrl(provider, baseUrl);
  const dialect: Dialect = provider;
  // Who is behind an OpenAI-compatible URL decides how its usage numbers read (xAI, …).
  const vendor = provider === 'openai' ? detectVendor({ baseUrl: url, modelId }) : undefined;

  function headers(): Record<string, string> {
    const h: Record<string, string> = { accept: provider === 'ollama' ? 'application/x-ndjson' : 'text/event-stream' };
    if (provider === 'anthropic') {
      h['anthropic-version'] = ANTHROPIC_VERSION;
      if (apiKey) h['x-api-key'] = apiKey;
    } else if (apiKey) {
      h.authorization = `Bearer ${apiKey}`;
    }
    return { ...h, ...options.headers };
  }

  function body(req: ModelRequest): unknown {
    switch (provider) {
      case 'anthropic':
        return anthropicRequestBody(modelId, req);
      case 'openai':
        // api.openai.com deprecated max_tokens for newer models; compatible servers know only max_tokens.
        return openAiRequestBody(modelId, req, { maxTokensField: new URL(url).hostname === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens' });
      case 'ollama':
        return ollamaRequestBody(modelId, req, { think: req.reasoning && capabilities.reasoning ? true : undefined });
    }
  }

  return {
    provider,
    modelId,
    capabilities,
    stream(request: ModelRequest): AsyncIterable<StreamPart> {
      const useText = !nativeTools && Boolean(request.tools?.length);
      const wireRequest = useText ? toTextProtocolRequest(request) : request;
      // Ids for calls the provider does not name must stay unique across the turns of a run.
      const prefix = randomBytes(4).toString('hex');
      const newId = (n: number) => `call_${prefix}_${n}`;
      const parts = httpStream({ url, headers: headers(), body: body(wireRequest), dialect, signal: request.signal, newId, vendor }, options);
      return observedStream({ provider, modelId, vendor }, useText ? parseTextToolCalls(parts, newId) : parts);
    },
  };
}
