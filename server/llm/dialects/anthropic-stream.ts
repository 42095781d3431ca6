import type { StreamAssembler } from '../stream-assembler';
import type { FinishReason, StreamPart } from '../types';
import { excerpt, isRecord, num, tryParseJson, TRUNCATED_MESSAGE, type DialectNormaliser, type WireEvent } from './normaliser';

/**
 * Anthropic's finish rules. `end_turn`, `stop_sequence` and `pause_turn` (a server-tool loop
 * paused; nothing for the client to run) are a normal stop; `max_tokens` and
 * `model_context_window_exceeded` are `length` (a tool_use block being written then gets no
 * `content_block_stop` and its call is truncated); `tool_use` means client calls follow — only
 * `tool_use` blocks count, server-run tools never do; `refusal` is a refusal, with the reason in
 * `stop_details.explanation` when given. The stop reason may come in `message_start` (programmatic
 * tool calling sends a whole message there) or in `message_delta`.
 */
const STOP_MAP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'refusal',
};

const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/**
 * What a content block is to us. Client tool calls are only `tool_use`. Blocks named `*_tool_use`
 * (server_tool_use, mcp_tool_use) are tools the provider runs; `*_tool_result` blocks (web search,
 * web fetch, code execution, tool search, MCP…) are their results. Any other kind — compaction,
 * fallback, whatever comes next — is kept verbatim and never reaches the tool-call tracker.
 */
type BlockKind = 'text' | 'thinking' | 'redacted' | 'tool' | 'server-tool' | 'server-result' | 'other';

function kindOf(type: unknown): BlockKind {
  switch (type) {
    case 'text':
      return 'text';
    case 'thinking':
      return 'thinking';
    case 'redacted_thinking':
      return 'redacted';
    case 'tool_use':
      return 'tool';
    default:
      if (typeof type === 'string' && type.endsWith('_tool_use')) return 'server-tool';
      if (typeof type === 'string' && type.endsWith('_tool_result')) return 'server-result';
      return 'other';
  }
}

interface OpenBlock {
  kind: BlockKind;
  block: Record<string, any>;
  /** input_json_delta pieces of a server-run tool. */
  json: string[];
  /** Deltas of a block kept verbatim. */
  deltas: unknown[];
}

/**
 * Anthropic Messages SSE. Content arrives in indexed blocks (text, thinking with a signature,
 * redacted thinking, tool_use with `input_json_delta`, server-run tools and their results);
 * `ping` events are keep-alives. Usage rules: `input_tokens` excludes cache reads and writes
 * (ours is the whole prompt, so they are added); `output_tokens` in `message_delta` is a running
 * total that includes thinking (`output_tokens_details.thinking_tokens` says how much); usage of
 * a compaction step inside the request is listed only in `usage.iterations` and is added.
 */
export function anthropicNormaliser(a: StreamAssembler): DialectNormaliser {
  const open = new Map<number | string, OpenBlock>();
  let messageId: string | undefined;
  let inputTokens = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let extra = { input: 0, output: 0, read: 0, write: 0 };

  function applyUsage(u: Record<string, any>): void {
    inputTokens = num(u.input_tokens) ?? inputTokens;
    cacheRead = num(u.cache_read_input_tokens) ?? cacheRead;
    cacheWrite = num(u.cache_creation_input_tokens) ?? cacheWrite;
    if (Array.isArray(u.iterations)) {
      // Compaction runs as its own sampling step, billed, but left out of the top-level counts.
      extra = { input: 0, output: 0, read: 0, write: 0 };
      for (const it of u.iterations) {
        if (!isRecord(it) || it.type !== 'compaction') continue;
        extra.input += num(it.input_tokens) ?? 0;
        extra.output += num(it.output_tokens) ?? 0;
        extra.read += num(it.cache_read_input_tokens) ?? 0;
        extra.write += num(it.cache_creation_input_tokens) ?? 0;
      }
    }
    const output = num(u.output_tokens);
    const read = cacheRead + extra.read;
    const write = cacheWrite + extra.write;
    const thinking = isRecord(u.output_tokens_details) ? num(u.output_tokens_details.thinking_tokens) : undefined;
    a.setUsage({
      inputTokens: inputTokens + extra.input + read + write,
      outputTokens: output === undefined ? undefined : output + extra.output,
      ...(read ? { cacheReadTokens: read } : {}),
      ...(write ? { cacheWriteTokens: write } : {}),
      ...(thinking ? { reasoningTokens: thinking } : {}),
    });
  }

  function setStop(reason: unknown, details: unknown): void {
    if (typeof reason !== 'string' || !reason) return;
    a.setFinish(STOP_MAP[reason] ?? 'stop', reason);
    if (reason === 'refusal') {
      const d = isRecord(details) ? details : {};
      a.refusal(typeof d.explanation === 'string' ? d.explanation : '', typeof d.category === 'string' ? d.category : undefined);
    }
  }

  // Deltas come in long runs for one block: remember the last lookup (the hot path).
  let lastKey: number | string | undefined;
  let lastBlock: OpenBlock | undefined;
  function blockAt(key: number | string): OpenBlock | undefined {
    if (key !== lastKey) {
      lastKey = key;
      lastBlock = open.get(key);
    }
    return lastBlock;
  }

  /** A block starts (`content_block_start`, or a whole block inside `message_start`). */
  function startBlock(key: number | string, block: Record<string, any>, out: StreamPart[]): OpenBlock {
    const b: OpenBlock = { kind: kindOf(block.type), block, json: [], deltas: [] };
    open.set(key, b);
    lastKey = undefined;
    switch (b.kind) {
      case 'text':
        a.endContentBlocks(out);
        if (typeof block.text === 'string') a.text(block.text, out);
        break;
      case 'thinking':
        a.endContentBlocks(out);
        if (typeof block.thinking === 'string') a.reasoning(block.thinking, out);
        if (typeof block.signature === 'string' && block.signature) a.reasoningSignatureDelta(block.signature);
        break;
      case 'redacted':
        a.redactedReasoning(String(block.data ?? ''), out);
        break;
      case 'tool': {
        const input = block.input;
        const hasInput = isRecord(input) && Object.keys(input).length > 0;
        a.toolDelta(key, { id: block.id, toolName: block.name, args: hasInput ? JSON.stringify(input) : undefined }, out);
        break;
      }
      case 'server-tool':
        if (isRecord(block.input) && Object.keys(block.input).length > 0) b.json.push(JSON.stringify(block.input));
        break;
      default:
        break;
    }
    return b;
  }

  /** A block ends: close what it opened, or emit the server-tool / verbatim part it was. */
  function stopBlock(key: number | string, out: StreamPart[]): void {
    const b = open.get(key);
    if (!b) return;
    open.delete(key);
    lastKey = undefined;
    switch (b.kind) {
      case 'text':
        a.endText(out);
        return;
      case 'thinking':
        a.endReasoning(out);
        return;
      case 'redacted':
        return;
      case 'tool':
        a.toolEnd(key, out);
        return;
      case 'server-tool': {
        const raw = b.json.join('');
        const parsed = raw.trim() === '' ? {} : tryParseJson(raw);
        a.other({ type: 'server-tool-call', id: String(b.block.id ?? ''), toolName: String(b.block.name ?? ''), args: parsed ?? raw, blockType: String(b.block.type) }, out);
        return;
      }
      case 'server-result':
        a.other({ type: 'server-tool-result', toolCallId: String(b.block.tool_use_id ?? ''), blockType: String(b.block.type), content: b.deltas.length ? { ...b.block, deltas: b.deltas } : b.block }, out);
        return;
      case 'other':
        a.other({ type: 'provider-block', blockType: String(b.block.type ?? 'unknown'), block: b.block, deltas: b.deltas }, out);
        return;
    }
  }

  /** Server-run and verbatim blocks still open when the message ends are reported as they are. */
  function stopOpenNonClientBlocks(out: StreamPart[]): void {
    for (const [key, b] of [...open]) if (b.kind === 'server-tool' || b.kind === 'server-result' || b.kind === 'other') stopBlock(key, out);
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
        case 'message_start': {
          const m = isRecord(msg.message) ? msg.message : {};
          const id = typeof m.id === 'string' ? m.id : '';
          if (messageId !== undefined) {
            // The same message announced twice is harmless; another one spliced in is not.
            if (id === messageId) return;
            a.fail(`malformed stream: message ${id} started before message ${messageId} ended`, out, { code: 'protocol', retryable: !a.contentEmitted });
            return;
          }
          messageId = id;
          if (isRecord(m.usage)) applyUsage(m.usage);
          if (Array.isArray(m.content)) {
            m.content.forEach((block: unknown, i: number) => {
              if (!isRecord(block)) return;
              const key = `start-${i}`;
              startBlock(key, block, out);
              stopBlock(key, out);
            });
          }
          setStop(m.stop_reason, m.stop_details);
          return;
        }
        case 'content_block_start': {
          const index = num(msg.index) ?? 0;
          startBlock(index, isRecord(msg.content_block) ? msg.content_block : {}, out);
          return;
        }
        case 'content_block_delta': {
          const index = num(msg.index) ?? 0;
          const d = isRecord(msg.delta) ? msg.delta : {};
          const b = blockAt(index);
          if (b && (b.kind === 'other' || b.kind === 'server-result')) {
            b.deltas.push(d);
            return;
          }
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
              if (typeof d.partial_json !== 'string') return;
              // Only a client tool_use block feeds the tracker: JSON for anything else must never
              // turn into a (nameless) call.
              if (b?.kind === 'tool') a.toolDelta(index, { args: d.partial_json }, out);
              else if (b?.kind === 'server-tool') b.json.push(d.partial_json);
              return;
            default:
              return; // citations and future delta types carry nothing we use
          }
        }
        case 'content_block_stop':
          stopBlock(num(msg.index) ?? 0, out);
          return;
        case 'message_delta':
          if (isRecord(msg.usage)) applyUsage(msg.usage);
          if (isRecord(msg.delta)) setStop(msg.delta.stop_reason, msg.delta.stop_details);
          return;
        case 'message_stop':
          stopOpenNonClientBlocks(out);
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
      if (a.sawFinish) {
        stopOpenNonClientBlocks(out);
        a.finish(out);
      } else a.fail(TRUNCATED_MESSAGE, out, { code: 'protocol', retryable: !a.contentEmitted });
    },
  };
}
