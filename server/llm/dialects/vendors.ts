import type { Usage } from '../types';
import { isRecord, num } from './normaliser';

/**
 * Who answers behind an OpenAI-compatible endpoint. The chat-completions wire format is shared,
 * but vendors differ in what their numbers mean; those differences are written down here, once
 * per vendor, and nowhere else. Recognised by the base URL's host first, then by the model id.
 * Anything unrecognised (vLLM, llama.cpp, LM Studio, Ollama's /v1, a proxy) is `other` and gets
 * OpenAI's rules — except where the numbers themselves say otherwise (see `openAiUsage`).
 */
export const VENDORS = ['openai', 'azure', 'xai', 'deepseek', 'mistral', 'groq', 'openrouter', 'moonshot', 'alibaba', 'perplexity', 'other'] as const;
export type Vendor = (typeof VENDORS)[number];

interface VendorRules {
  hosts?: RegExp;
  models?: RegExp;
  /**
   * `completion_tokens` leaves out `completion_tokens_details.reasoning_tokens`, which are billed
   * as output on top of it. (OpenAI and everyone else count reasoning inside completion_tokens.)
   */
  reasoningOutsideCompletion?: boolean;
}

/**
 * Finish reasons are the same everywhere (`stop`, `length`, `tool_calls`, `content_filter`,
 * `function_call`; vLLM may say `eos`/`max_tokens`) and are mapped in openai-stream.ts. Usage is
 * the last `usage` object seen, unless noted.
 */
export const VENDOR_RULES: Record<Vendor, VendorRules> = {
  /**
   * Usage in a last chunk with empty `choices` (stream_options.include_usage); `prompt_tokens`
   * includes `prompt_tokens_details.cached_tokens`, `completion_tokens` includes reasoning.
   * Refusals stream as `delta.refusal` text with finish `stop`.
   */
  openai: { hosts: /(^|\.)api\.openai\.com$/, models: /^(gpt-|o[1-9](-|$)|chatgpt-|codex-)/ },
  /** As OpenAI; the first chunk may carry only `prompt_filter_results` (empty choices). */
  azure: { hosts: /\.openai\.azure\.com$|\.services\.ai\.azure\.com$|\.cognitiveservices\.azure\.com$/ },
  /**
   * xAI (Grok): `completion_tokens` excludes `completion_tokens_details.reasoning_tokens`
   * (`total_tokens` = prompt + completion + reasoning); billed output is their sum. Cached
   * tokens are part of `prompt_tokens`. (`cost_in_usd_ticks` = USD × 1e10 confirms both.)
   */
  xai: { hosts: /(^|\.)api\.x\.ai$/, models: /^grok-/, reasoningOutsideCompletion: true },
  /** DeepSeek: cache hits as `prompt_cache_hit_tokens` (also `prompt_tokens_details.cached_tokens` lately); reasoning inside completion. */
  deepseek: { hosts: /(^|\.)api\.deepseek\.com$/, models: /^deepseek-/ },
  /**
   * Mistral: Magistral streams `delta.content` as an array of parts — `{type: "thinking",
   * thinking: [{type: "text", text}]}` and `{type: "text", text}`; tool calls may come whole in one
   * delta without `index`.
   */
  mistral: { hosts: /(^|\.)api\.mistral\.ai$/, models: /^(mistral|magistral|codestral|devstral|ministral|pixtral|open-mistral|open-mixtral)/ },
  /** Groq: usage also (older streams: only) in `x_groq.usage` of the last chunk; reasoning in `delta.reasoning`. */
  groq: { hosts: /(^|\.)api\.groq\.com$/ },
  /** OpenRouter: reasoning in `delta.reasoning` and again in `reasoning_details` (only the first is read). */
  openrouter: { hosts: /(^|\.)openrouter\.ai$/ },
  /** Moonshot (Kimi): older streams put `usage` inside the choice. */
  moonshot: { hosts: /(^|\.)api\.moonshot\.(ai|cn)$/, models: /^(kimi|moonshot)-/ },
  /** Alibaba DashScope (Qwen): `usage: null` on every chunk but the last. */
  alibaba: { hosts: /dashscope(-intl)?\.aliyuncs\.com$/, models: /^qwen/ },
  /** Perplexity: a running `usage` on every chunk; the last chunk's object is `chat.completion.done`. */
  perplexity: { hosts: /(^|\.)api\.perplexity\.ai$/, models: /^sonar/ },
  other: {},
};

/** The vendor from a base URL (host) and a model id; `undefined` when neither says. */
export function detectVendor(input: { baseUrl?: string; modelId?: string }): Vendor | undefined {
  if (input.baseUrl) {
    let host = '';
    try {
      host = new URL(input.baseUrl).hostname.toLowerCase();
    } catch {
      host = '';
    }
    for (const v of VENDORS) if (host && VENDOR_RULES[v].hosts?.test(host)) return v;
  }
  return input.modelId ? vendorOfModel(input.modelId) : undefined;
}

/** The vendor a model id belongs to (`x-ai/grok-4` and `grok-4` both give xai). */
export function vendorOfModel(modelId: string): Vendor | undefined {
  const name = modelId.toLowerCase().replace(/^.*\//, '');
  for (const v of VENDORS) if (VENDOR_RULES[v].models?.test(name)) return v;
  return undefined;
}

/**
 * One chat-completions `usage` object → Usage, with `outputTokens` = what is billed. Whether
 * reasoning sits inside `completion_tokens` is read from the numbers when they decide it
 * (`total_tokens` equal to prompt + completion + reasoning, and not to prompt + completion, means
 * outside; equal to prompt + completion means inside) — so proxies and unknown hosts are right
 * too — and from the vendor's rule only when `total_tokens` is missing or inconclusive.
 */
export function openAiUsage(u: Record<string, any>, vendor: Vendor | undefined): Partial<Usage> {
  const prompt = num(u.prompt_tokens);
  const completion = num(u.completion_tokens);
  const details = isRecord(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  const reasoning = num(details?.reasoning_tokens) ?? num(u.reasoning_tokens) ?? 0;
  const promptDetails = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const cached = num(promptDetails?.cached_tokens) ?? num(u.prompt_cache_hit_tokens) ?? 0;
  let outside = false;
  if (reasoning > 0 && completion !== undefined) {
    const total = num(u.total_tokens);
    const p = prompt ?? 0;
    if (total !== undefined && total === p + completion + reasoning && total !== p + completion) outside = true;
    else if (total !== undefined && total === p + completion) outside = false;
    else outside = VENDOR_RULES[vendor ?? 'other'].reasoningOutsideCompletion === true;
  }
  const usage: Partial<Usage> = {
    inputTokens: prompt,
    outputTokens: completion === undefined ? undefined : outside ? completion + reasoning : completion,
  };
  if (cached > 0) usage.cacheReadTokens = cached;
  if (reasoning > 0) usage.reasoningTokens = reasoning;
  return usage;
}
