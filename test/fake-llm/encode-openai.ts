import { argPieces, textDeltas } from './chunking';
import type { ResolvedTurn } from './encoded-turn';
import type { Faults } from './script';

const FINISH = { stop: 'stop', length: 'length', 'content-filter': 'content_filter', 'tool-calls': 'tool_calls' } as const;

/** Encodes a turn as OpenAI Chat Completions SSE events (one string per event). */
export function encodeOpenAi(turn: ResolvedTurn, opts: { model: string; includeUsage: boolean; turnIndex: number; faults: Faults }): string[] {
  const id = `chatcmpl-fake${opts.turnIndex}`;
  const created = 1_764_370_000 + opts.turnIndex;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: opts.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  const events: string[] = [chunk({ role: 'assistant', content: '' })];
  for (const d of textDeltas(turn.reasoning)) events.push(chunk({ reasoning_content: d }));
  for (const d of textDeltas(turn.text)) events.push(chunk({ content: d }));
  if (turn.refusal !== undefined) {
    // As recorded from api.openai.com: an empty refusal opens it, then the text in deltas.
    events.push(chunk({ content: null, refusal: '' }));
    for (const d of textDeltas(turn.refusal)) events.push(chunk({ refusal: d }));
  }

  const heads = turn.calls.map((c, index) => chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
  const pieces = turn.calls.map((c, index) => argPieces(c.argsText).map((p) => chunk({ tool_calls: [{ index, function: { arguments: p } }] })));
  if (opts.faults.interleaveToolDeltas) {
    // Higher indices first, then argument pieces round-robin across the calls.
    for (let i = heads.length - 1; i >= 0; i--) events.push(heads[i]);
    const longest = Math.max(0, ...pieces.map((p) => p.length));
    for (let k = 0; k < longest; k++) for (let i = pieces.length - 1; i >= 0; i--) if (pieces[i][k]) events.push(pieces[i][k]);
  } else {
    turn.calls.forEach((_, i) => events.push(heads[i], ...pieces[i]));
  }
  if (opts.faults.errorEvent) {
    events.push(`data: ${JSON.stringify({ error: { message: opts.faults.errorEvent, type: 'server_error' } })}\n\n`);
    return events;
  }
  events.push(chunk({}, FINISH[turn.finish]));
  if (opts.includeUsage) {
    const u = turn.usage;
    events.push(
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: opts.model,
        choices: [],
        usage: { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens, prompt_tokens_details: { cached_tokens: u.cacheReadTokens } },
      })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}
