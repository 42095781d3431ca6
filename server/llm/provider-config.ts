import type { ProviderName } from './types';

export const DEFAULT_BASE_URLS: Record<ProviderName, string> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  ollama: 'http://127.0.0.1:11434',
};

export const ANTHROPIC_VERSION = '2023-06-01';

/** Environment variables read when no option is given (org settings pass options instead). */
export const ENV_KEYS = {
  anthropic: { apiKey: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
  openai: { apiKey: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
  ollama: { apiKey: 'OLLAMA_API_KEY', baseUrl: 'OLLAMA_HOST' },
} as const satisfies Record<ProviderName, { apiKey: string; baseUrl: string }>;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Accepts `host:port` (as OLLAMA_HOST often is) as well as full URLs. */
function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

/**
 * The endpoint a provider posts to. A bare origin is completed with the provider's usual path
 * prefix, so `--base-url http://127.0.0.1:PORT` works for every provider (and for the fake
 * server), while `https://openrouter.ai/api/v1` is used as given.
 */
export function endpointUrl(provider: ProviderName, baseUrl: string): string {
  const base = trimSlash(withScheme(baseUrl));
  const hasPath = new URL(base).pathname.replace(/\/+$/, '') !== '';
  switch (provider) {
    case 'openai':
      return `${hasPath ? base : `${base}/v1`}/chat/completions`;
    case 'anthropic':
      return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
    case 'ollama':
      return base.endsWith('/api') ? `${base}/chat` : `${base}/api/chat`;
  }
}

/**
 * Where a provider lists its models — the cheapest authenticated request it answers, used by
 * "Test connection": Anthropic and OpenAI `GET …/v1/models`, Ollama `GET /api/tags`.
 */
export function modelsUrl(provider: ProviderName, baseUrl: string): string {
  const base = trimSlash(withScheme(baseUrl));
  const hasPath = new URL(base).pathname.replace(/\/+$/, '') !== '';
  switch (provider) {
    case 'openai':
      return `${hasPath ? base : `${base}/v1`}/models`;
    case 'anthropic':
      return base.endsWith('/v1') ? `${base}/models?limit=1000` : `${base}/v1/models?limit=1000`;
    case 'ollama':
      return base.endsWith('/api') ? `${base}/tags` : `${base}/api/tags`;
  }
}
