import { argPieces, textDeltas } from './chunking';
import type { ResolvedTurn } from './encoded-turn';
import type { Faults } from './script';

const STOP = { stop: 'end_turn', length: 'max_tokens', 'content-filter': 'refusal', 'tool-calls': 'tool_use' } as const;

function ev(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Encodes a turn as Anthropic Messages SSE events (one string per event). */
export function encodeAnthropic(turn: ResolvedTurn, opts: { model: string; turnIndex: number; faults: Faults }): string[] {
  const u = turn.usage;
  const events: string[] = [
    ev('message_start', {
      message: {
        id: `msg_fake${opts.turnIndex}`,
        type: 'message',
        role: 'assistant',
        content: [],
        model: opts.model,
        stop_reason: null,
        stop_sequence: null,
        usage: {
          // Anthropic reports uncached input separately from cache reads and writes.
          input_tokens: Math.max(0, u.inputTokens - u.cacheReadTokens - u.cacheWriteTokens),
          cache_creation_input_tokens: u.cacheWriteTokens,
          cache_read_input_tokens: u.cacheReadTokens,
          output_tokens: 1,
        },
      },
    }),
    ev('ping', {}),
  ];
  let index = 0;
  if (turn.reasoning) {
    events.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const d of textDeltas(turn.reasoning)) events.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: d } }));
    events.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: `fake-signature-${opts.turnIndex}` } }));
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  if (turn.text) {
    events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const d of textDeltas(turn.text)) events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: d } }));
    if (opts.faults.errorEvent) {
      events.push(ev('error', { error: { type: 'overloaded_error', message: opts.faults.errorEvent } }));
      return events;
    }
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  turn.calls.forEach((c, i) => {
    events.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }));
    for (const p of argPieces(c.argsText)) events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
    // When max_tokens cuts the turn, Anthropic stops inside the block being written: no
    // content_block_stop for it (as in recorded streams), straight to message_delta.
    const cutHere = turn.finish === 'length' && i === turn.calls.length - 1;
    if (!cutHere) events.push(ev('content_block_stop', { index }));
    index++;
  });
  if (opts.faults.errorEvent) {
    events.push(ev('error', { error: { type: 'overloaded_error', message: opts.faults.errorEvent } }));
    return events;
  }
  const delta =
    turn.refusal !== undefined
      ? { stop_reason: 'refusal', stop_sequence: null, stop_details: { type: 'refusal', category: null, explanation: turn.refusal } }
      : { stop_reason: STOP[turn.finish], stop_sequence: null };
  events.push(ev('message_delta', { delta, usage: { output_tokens: u.outputTokens } }));
  events.push(ev('message_stop', {}));
  return events;
}
