import type { StreamAssembler } from '../stream-assembler';
import type { FinishReason, StreamPart } from '../types';
import { excerpt, isRecord, num, tryParseJson, TRUNCATED_MESSAGE, type DialectNormaliser, type WireEvent } from './normaliser';

const STOP_MAP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
};

const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/**
 * Anthropic Messages SSE. Content arrives in indexed blocks (text, thinking with a signature,
 * redacted thinking, tool_use with `input_json_delta`); `ping` events are keep-alives; usage is
 * split between `message_start` (input, cache) and `message_delta` (output, running total).
 */
export function anthropicNormaliser(a: StreamAssembler): DialectNormaliser {
  const blockTypes = new Map<number, string>();
  let inputTokens = 0;
  let cacheRead = 0;
  let cacheWrite = 0;

  function applyUsage(u: Record<string, any>): void {
    inputTokens = num(u.input_tokens) ?? inputTokens;
    cacheRead = num(u.cache_read_input_tokens) ?? cacheRead;
    cacheWrite = num(u.cache_creation_input_tokens) ?? cacheWrite;
    a.setUsage({
      // Anthropic's input_tokens excludes cached tokens; ours is the whole prompt.
      inputTokens: inputTokens + cacheRead + cacheWrite,
      outputTokens: num(u.output_tokens),
      ...(cacheRead ? { cacheReadTokens: cacheRead } : {}),
      ...(cacheWrite ? { cacheWriteTokens: cacheWrite } : {}),
    });
  }

  return {
    framing: 'sse',
    onEvent(ev: WireEvent, out: StreamPart[]) {
      if (a.isClosed) return;
      if (ev.event === 'ping') return;
      const msg = tryParseJson(ev.data);
      if (!isRecord(msg)) {
        a.fail(`malformed stream event: ${excerpt(ev.data)}`, out, { code: 'protocol', retryable: !a.contentEmitted });
        return;
      }
      switch (msg.type) {
        case 'ping':
          return;
        case 'message_start':
          if (isRecord(msg.message?.usage)) applyUsage(msg.message.usage);
          return;
        case 'content_block_start': {
          const index = num(msg.index) ?? 0;
          const block = isRecord(msg.content_block) ? msg.content_block : {};
          blockTypes.set(index, String(block.type));
          if (block.type === 'text') {
            a.endContentBlocks(out);
            if (typeof block.text === 'string') a.text(block.text, out);
          } else if (block.type === 'thinking') {
            a.endContentBlocks(out);
            if (typeof block.thinking === 'string') a.reasoning(block.thinking, out);
          } else if (block.type === 'redacted_thinking') {
            a.redactedReasoning(String(block.data ?? ''), out);
          } else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
            const input = block.input;
            const hasInput = isRecord(input) && Object.keys(input).length > 0;
            a.toolDelta(index, { id: block.id, toolName: block.name, args: hasInput ? JSON.stringify(input) : undefined }, out);
          }
          return;
        }
        case 'content_block_delta': {
          const index = num(msg.index) ?? 0;
          const d = isRecord(msg.delta) ? msg.delta : {};
          switch (d.type) {
            case 'text_delta':
              if (typeof d.text === 'string') a.text(d.text, out);
              return;
            case 'thinking_delta':
              if (typeof d.thinking === 'string') a.reasoning(d.thinking, out);
              return;
            case 'signature_delta':
              if (typeof d.signature === 'string') a.reasoningSignatureDelta(d.signature);
              return;
            case 'input_json_delta':
              if (typeof d.partial_json === 'string') a.toolDelta(index, { args: d.partial_json }, out);
              return;
            default:
              return; // citations and future delta types carry nothing we use
          }
        }
        case 'content_block_stop': {
          const index = num(msg.index) ?? 0;
          const t = blockTypes.get(index);
          if (t === 'text') a.endText(out);
          else if (t === 'thinking') a.endReasoning(out);
          else if (t === 'tool_use' || t === 'server_tool_use') a.toolEnd(index, out);
          return;
        }
        case 'message_delta':
          if (isRecord(msg.usage)) applyUsage(msg.usage);
          if (isRecord(msg.delta) && typeof msg.delta.stop_reason === 'string') {
            a.setFinish(STOP_MAP[msg.delta.stop_reason] ?? 'stop', msg.delta.stop_reason);
          }
          return;
        case 'message_stop':
          a.finish(out);
          return;
        case 'error': {
          const err = isRecord(msg.error) ? msg.error : {};
          const type = String(err.type ?? 'error');
          a.fail(`provider error (${type}): ${String(err.message ?? '')}`, out, {
            code: 'provider',
            retryable: !a.contentEmitted && RETRYABLE_ERRORS.has(type),
          });
          return;
        }
        default:
          return;
      }
    },
    onEnd(out: StreamPart[]) {
      if (a.isClosed) return;
      if (a.sawFinish) a.finish(out);
      else a.fail(TRUNCATED_MESSAGE, out, { code: 'protocol', retryable: !a.contentEmitted });
    },
  };
}
