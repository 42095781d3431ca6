import type { StreamAssembler } from '../stream-assembler';
import type { FinishReason, StreamPart } from '../types';
import { excerpt, isRecord, num, tryParseJson, TRUNCATED_MESSAGE, type DialectNormaliser, type WireEvent } from './normaliser';

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
 * OpenRouter). Tool calls arrive as deltas keyed by `index`; usage comes in a last chunk with
 * empty `choices` when `stream_options.include_usage` is set; the stream ends with `[DONE]`.
 */
export function openAiNormaliser(a: StreamAssembler): DialectNormaliser {
  let done = false;
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
      if (isRecord(chunk.usage)) {
        const u = chunk.usage;
        const cached = num(u.prompt_tokens_details?.cached_tokens);
        const reasoning = num(u.completion_tokens_details?.reasoning_tokens);
        a.setUsage({
          inputTokens: num(u.prompt_tokens),
          outputTokens: num(u.completion_tokens),
          ...(cached ? { cacheReadTokens: cached } : {}),
          ...(reasoning ? { reasoningTokens: reasoning } : {}),
        });
      }
      const choices = chunk.choices;
      if (!Array.isArray(choices)) return;
      for (const choice of choices) {
        // Only the first choice is used; we never ask for n > 1.
        if (!isRecord(choice) || (choice.index ?? 0) !== 0) continue;
        const delta = choice.delta;
        if (isRecord(delta)) {
          // Reasoning fields differ per server: DeepSeek/vLLM `reasoning_content`, OpenRouter/Ollama-compat `reasoning`.
          const reasoning = delta.reasoning_content ?? delta.reasoning;
          if (typeof reasoning === 'string') a.reasoning(reasoning, out);
          if (typeof delta.content === 'string') a.text(delta.content, out);
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
