import type { StreamAssembler } from '../stream-assembler';
import type { FinishReason, StreamPart } from '../types';
import { excerpt, isRecord, tryParseJson, TRUNCATED_MESSAGE, type DialectNormaliser, type NormaliserContext, type WireEvent } from './normaliser';
import { openAiUsage, vendorOfModel, type Vendor } from './vendors';

const FINISH_MAP: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
  // vLLM and some proxies
  eos: 'stop',
  max_tokens: 'length',
};

/**
 * OpenAI Chat Completions SSE (and every server that copies it: vLLM, llama.cpp, LM Studio,
 * OpenRouter, xAI, DeepSeek, Mistral, Groq…; per-vendor differences are in vendors.ts). Tool calls
 * arrive as deltas keyed by `index`; usage comes in a last chunk with empty `choices` when
 * `stream_options.include_usage` is set; the stream ends with `[DONE]`. `delta.content` is text,
 * or an array of typed parts (text, thinking); `delta.refusal` is refusal text.
 */
export function openAiNormaliser(a: StreamAssembler, ctx: NormaliserContext = {}): DialectNormaliser {
  let done = false;
  let vendor: Vendor | undefined = ctx.vendor;
  let model: string | undefined;
  function useUsage(u: Record<string, any>): void {
    vendor ??= model ? vendorOfModel(model) : undefined;
    a.setUsage(openAiUsage(u, vendor));
  }

  return {
    framing: 'sse',
    onEvent(ev: WireEvent, out: StreamPart[]) {
      if (done || a.isClosed) return;
      const data = ev.data;
      if (data === '[DONE]') {
        done = true;
        a.finish(out);
        return;
      }
      const chunk = tryParseJson(data);
      if (!isRecord(chunk)) {
        a.fail(`malformed stream chunk: ${excerpt(data)}`, out, { code: 'protocol', retryable: !a.contentEmitted });
        return;
      }
      if (chunk.error !== undefined || ev.event === 'error') {
        const err = isRecord(chunk.error) ? chunk.error : chunk;
        const message = typeof err.message === 'string' ? err.message : excerpt(data);
        a.fail(`provider error: ${message}`, out, { code: 'provider', retryable: !a.contentEmitted && isRetryableType(err) });
        return;
      }
      if (model === undefined && typeof chunk.model === 'string') model = chunk.model;
      // Groq's older streams carry usage only in x_groq; some servers put it inside the choice.
      const usage = isRecord(chunk.usage) ? chunk.usage : isRecord(chunk.x_groq) && isRecord(chunk.x_groq.usage) ? chunk.x_groq.usage : undefined;
      if (usage) useUsage(usage);
      const choices = chunk.choices;
      if (!Array.isArray(choices)) return;
      for (const choice of choices) {
        // Only the first choice is used; we never ask for n > 1.
        if (!isRecord(choice) || (choice.index ?? 0) !== 0) continue;
        if (!usage && isRecord(choice.usage)) useUsage(choice.usage);
        const delta = choice.delta;
        if (isRecord(delta)) {
          // Reasoning fields differ per server: DeepSeek/vLLM `reasoning_content`, OpenRouter/Ollama-compat `reasoning`.
          const reasoning = delta.reasoning_content ?? delta.reasoning;
          if (typeof reasoning === 'string') a.reasoning(reasoning, out);
          const content = delta.content;
          if (typeof content === 'string') a.text(content, out);
          else if (Array.isArray(content)) contentParts(content, a, out);
          // Every chunk may carry `refusal: null`, and the first `""`: only text counts.
          if (typeof delta.refusal === 'string' && delta.refusal) a.refusal(delta.refusal);
          if (Array.isArray(delta.tool_calls)) {
            for (let i = 0; i < delta.tool_calls.length; i++) {
              const tc = delta.tool_calls[i];
              if (!isRecord(tc)) continue;
              const fn = isRecord(tc.function) ? tc.function : {};
              const key = typeof tc.index === 'number' ? tc.index : i;
              a.toolDelta(key, {
                id: typeof tc.id === 'string' && tc.id ? tc.id : undefined,
                toolName: typeof fn.name === 'string' && fn.name ? fn.name : undefined,
                args: typeof fn.arguments === 'string' ? fn.arguments : isRecord(fn.arguments) ? JSON.stringify(fn.arguments) : undefined,
              }, out);
            }
          }
        }
        if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
          a.setFinish(FINISH_MAP[choice.finish_reason] ?? 'stop', choice.finish_reason);
        }
      }
    },
    onEnd(out: StreamPart[]) {
      if (a.isClosed) return;
      // Some compatible servers omit [DONE]; a finish reason is enough to call it complete.
      if (a.sawFinish) a.finish(out);
      else a.fail(TRUNCATED_MESSAGE, out, { code: 'protocol', retryable: !a.contentEmitted });
    },
  };
}

function isRetryableType(err: Record<string, any>): boolean {
  const t = String(err.type ?? err.code ?? '');
  return /server_error|overloaded|rate_limit|timeout|unavailable/i.test(t);
}

/**
 * `delta.content` as an array of typed parts (Mistral/Magistral, some proxies): text parts are
 * text, thinking/reasoning parts are reasoning (their text may itself be a list of text parts);
 * other kinds (images, references) carry nothing to assemble.
 */
function contentParts(parts: unknown[], a: StreamAssembler, out: StreamPart[]): void {
  for (const part of parts) {
    if (!isRecord(part)) continue;
    if (part.type === 'text') {
      if (typeof part.text === 'string') a.text(part.text, out);
    } else if (part.type === 'thinking' || part.type === 'reasoning') {
      const body = part.thinking ?? part.reasoning ?? part.text;
      if (typeof body === 'string') a.reasoning(body, out);
      else if (Array.isArray(body)) for (const t of body) if (isRecord(t) && typeof t.text === 'string') a.reasoning(t.text, out);
    }
  }
}
