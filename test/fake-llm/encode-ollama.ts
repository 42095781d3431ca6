import { textDeltas } from './chunking';
import type { ResolvedTurn } from './encoded-turn';
import type { Faults } from './script';

/** Encodes a turn as Ollama `/api/chat` NDJSON lines (one string per line). */
export function encodeOllama(turn: ResolvedTurn, opts: { model: string; turnIndex: number; faults: Faults }): string[] {
  const base = Date.UTC(2026, 10, 29) + opts.turnIndex * 1000;
  let n = 0;
  const line = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `${JSON.stringify({ model: opts.model, created_at: new Date(base + n++).toISOString(), message: { role: 'assistant', content: '', ...message }, done: false, ...extra })}\n`;
  const lines: string[] = [];
  for (const d of textDeltas(turn.reasoning)) lines.push(line({ thinking: d }));
  for (const d of textDeltas(turn.text)) lines.push(line({ content: d }));
  // Ollama has no refusal field: a refusal is just what the model says.
  for (const d of textDeltas(turn.refusal ?? '')) lines.push(line({ content: d }));
  if (turn.calls.length) {
    // Ollama sends calls whole, with arguments as an object; a malformed string stays a string.
    const toolCalls = turn.calls.map((c) => {
      let args: unknown = c.argsText;
      try {
        args = JSON.parse(c.argsText);
      } catch {
        // keep the broken text
      }
      return { function: { name: c.name, arguments: args } };
    });
    lines.push(line({ tool_calls: toolCalls }));
  }
  if (opts.faults.errorEvent) {
    lines.push(`${JSON.stringify({ error: opts.faults.errorEvent })}\n`);
    return lines;
  }
  // Real Ollama says "stop" after tool calls too; clients must not trust done_reason for that.
  const doneReason = turn.finish === 'length' ? 'length' : 'stop';
  lines.push(
    line({}, { done: true, done_reason: doneReason, total_duration: 1_000_000, prompt_eval_count: turn.usage.inputTokens, eval_count: turn.usage.outputTokens }),
  );
  return lines;
}
