import type { StreamAssembler } from '../stream-assembler';
import type { FinishReason, StreamPart } from '../types';
import { excerpt, isRecord, num, tryParseJson, TRUNCATED_MESSAGE, type DialectNormaliser, type WireEvent } from './normaliser';

const DONE_MAP: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  // Ollama reports "stop" even after tool calls; the assembler turns that into tool-calls.
  load: 'stop',
  unload: 'stop',
};

/**
 * Ollama `/api/chat` NDJSON: one JSON object per line, `message.content` and `message.thinking`
 * as deltas, tool calls whole (arguments as an object) and a last line with `done: true`.
 */
export function ollamaNormaliser(a: StreamAssembler): DialectNormaliser {
  let calls = 0;
  return {
    framing: 'ndjson',
    onEvent(ev: WireEvent, out: StreamPart[]) {
      if (a.isClosed) return;
      const line = tryParseJson(ev.data);
      if (!isRecord(line)) {
        a.fail(`malformed stream line: ${excerpt(ev.data)}`, out, { code: 'protocol', retryable: !a.contentEmitted });
        return;
      }
      if (line.error !== undefined) {
        a.fail(`provider error: ${typeof line.error === 'string' ? line.error : JSON.stringify(line.error)}`, out, {
          code: 'provider',
          retryable: false,
        });
        return;
      }
      const m = isRecord(line.message) ? line.message : undefined;
      if (m) {
        if (typeof m.thinking === 'string') a.reasoning(m.thinking, out);
        if (typeof m.content === 'string') a.text(m.content, out);
        if (Array.isArray(m.tool_calls)) {
          for (const tc of m.tool_calls) {
            if (!isRecord(tc)) continue;
            const fn = isRecord(tc.function) ? tc.function : {};
            const key = calls++;
            a.toolWhole(key, { id: typeof tc.id === 'string' && tc.id ? tc.id : undefined, toolName: String(fn.name ?? ''), args: fn.arguments ?? {} }, out);
          }
        }
      }
      if (line.done === true) {
        a.setUsage({ inputTokens: num(line.prompt_eval_count), outputTokens: num(line.eval_count) });
        const raw = typeof line.done_reason === 'string' ? line.done_reason : 'stop';
        a.setFinish(DONE_MAP[raw] ?? 'stop', raw);
        a.finish(out);
      }
    },
    onEnd(out: StreamPart[]) {
      if (a.isClosed) return;
      a.fail(TRUNCATED_MESSAGE, out, { code: 'protocol', retryable: !a.contentEmitted });
    },
  };
}
