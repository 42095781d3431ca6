import { guardedFetch } from '../net/outbound';
import { ANTHROPIC_VERSION, DEFAULT_BASE_URLS, modelsUrl } from './provider-config';
import type { ProviderName } from './types';

/** A model list is one small JSON answer; a provider that takes longer than this is not answering. */
export const LIST_MODELS_TIMEOUT_MS = 15_000;
/** Provider error bodies are quoted to the admin; more than this is noise. */
const MAX_ERROR_CHARS = 300;

export type ListModelsResult =
  | { ok: true; endpoint: string; models: string[] }
  | { ok: false; endpoint: string; status: number | null; error: string };

export type ListModelsOptions = {
  provider: ProviderName;
  /** The provider's base URL (or Ollama's host); the provider's public endpoint when absent. */
  baseUrl?: string;
  apiKey?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/**
 * Asks a provider which models it serves — a real, authenticated request that spends no tokens, so
 * it answers "is this key and URL right?" with the provider's own words. Goes through the outbound
 * policy (`guardedFetch`) like every model request. Never throws; the key never appears in the result.
 * @example await listProviderModels({ provider: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'sk-…' })
 */
export async function listProviderModels(opts: ListModelsOptions): Promise<ListModelsResult> {
  let endpoint: string;
  try {
    endpoint = modelsUrl(opts.provider, opts.baseUrl?.trim() || DEFAULT_BASE_URLS[opts.provider]);
  } catch {
    return { ok: false, endpoint: opts.baseUrl ?? '', status: null, error: `"${opts.baseUrl}" is not a URL` };
  }
  const shown = endpoint.replace(/\?.*$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.provider === 'anthropic') {
    headers['anthropic-version'] = ANTHROPIC_VERSION;
    if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  } else if (opts.apiKey) {
    headers.authorization = `Bearer ${opts.apiKey}`;
  }
  const doFetch = opts.fetch ?? guardedFetch;
  let res: Response;
  try {
    res = await doFetch(endpoint, { method: 'GET', headers, signal: AbortSignal.timeout(opts.timeoutMs ?? LIST_MODELS_TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, endpoint: shown, status: null, error: connectionError(err, opts.apiKey) };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) return { ok: false, endpoint: shown, status: res.status, error: `${res.status} ${res.statusText || 'error'}: ${scrub(providerMessage(text), opts.apiKey)}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, endpoint: shown, status: res.status, error: 'the answer was not JSON: is this the provider’s API URL (not its website)?' };
  }
  const models = modelIds(opts.provider, body);
  if (!models) return { ok: false, endpoint: shown, status: res.status, error: 'the answer was not a model list: is this the provider’s API URL?' };
  return { ok: true, endpoint: shown, models };
}

/** Model ids from a list answer, sorted; null when the body is not a list of the provider's shape. */
function modelIds(provider: ProviderName, body: unknown): string[] | null {
  const b = body as { data?: unknown; models?: unknown };
  const list = provider === 'ollama' ? b?.models : b?.data;
  if (!Array.isArray(list)) return null;
  const ids = list
    .map((m) => (provider === 'ollama' ? ((m as { name?: unknown })?.name ?? (m as { model?: unknown })?.model) : (m as { id?: unknown })?.id))
    .filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 200);
  return [...new Set(ids)].sort((a, b) => a.localeCompare(b));
}

/** The message inside a provider's error body (Anthropic, OpenAI, Ollama shapes), else the text. */
function providerMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const err = body.error;
    if (typeof err === 'string') return clip(err);
    if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return clip((err as { message: string }).message);
    if (typeof body.message === 'string') return clip(body.message);
  } catch {
    /* not JSON: quote the text */
  }
  return clip(text.replace(/\s+/g, ' ').trim()) || '(no message)';
}

function connectionError(err: unknown, key: string | undefined): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${LIST_MODELS_TIMEOUT_MS / 1000} s`;
  if (e?.name === 'OutboundBlockedError') return e.message;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return scrub(`could not connect: ${cause ?? e?.message ?? String(err)}`, key);
}

function clip(s: string): string {
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}…` : s;
}

/** A provider may quote the key it refused; it is not repeated here. */
function scrub(s: string, key: string | undefined): string {
  return key && key.length >= 6 ? s.split(key).join('<the key>') : s;
}
