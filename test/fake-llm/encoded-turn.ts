import { formatToolCallText } from '../../server/llm/text-protocol';
import { corruptJson, textDeltas } from './chunking';
import type { Turn } from './script';

/** A turn resolved into what every encoder needs: final text, calls with ids and argument text. */
export interface ResolvedTurn {
  text: string;
  reasoning: string;
  refusal?: string;
  calls: Array<{ id: string; name: string; argsText: string; argsValue: unknown }>;
  finish: 'stop' | 'length' | 'content-filter' | 'tool-calls';
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
}

/** Rough token count used when a turn gives no usage: 4 characters per token. */
const CHARS_PER_TOKEN = 4;

export function resolveTurn(turn: Turn, turnIndex: number, requestBody: unknown, requestHasTools: boolean): ResolvedTurn {
  const asText = turn.toolCallsAs === 'text' || (turn.toolCallsAs !== 'native' && !requestHasTools);
  const scripted = (turn.toolCalls ?? []).map((c, i) => {
    const json = typeof c.args === 'string' ? c.args : JSON.stringify(c.args);
    const argsText = turn.faults?.malformedToolJson ? corruptJson(json) : json;
    return { id: c.id ?? `call_t${turnIndex}_${i}`, name: c.name, argsText, argsValue: typeof c.args === 'string' ? c.args : c.args };
  });
  let text = turn.text ?? '';
  let calls = scripted;
  if (asText && scripted.length) {
    const rendered = scripted.map((c) =>
      turn.faults?.malformedToolJson ? `<tool_call>{"name": "${c.name}", "arguments": ${c.argsText}}</tool_call>` : formatToolCallText(c.name, c.argsValue),
    );
    text = [text, ...rendered].filter(Boolean).join('\n');
    calls = [];
  }
  const reasoning = turn.reasoning ?? '';
  const inputTokens = turn.usage?.inputTokens ?? Math.ceil(JSON.stringify(requestBody ?? '').length / CHARS_PER_TOKEN);
  const outputTokens =
    turn.usage?.outputTokens ??
    Math.max(1, Math.ceil((text.length + reasoning.length + (turn.refusal?.length ?? 0) + calls.reduce((n, c) => n + c.argsText.length, 0)) / CHARS_PER_TOKEN));
  return {
    text,
    reasoning,
    ...(turn.refusal !== undefined ? { refusal: turn.refusal } : {}),
    calls,
    finish: turn.finishReason ?? (calls.length ? 'tool-calls' : 'stop'),
    usage: { inputTokens, outputTokens, cacheReadTokens: turn.usage?.cacheReadTokens ?? 0, cacheWriteTokens: turn.usage?.cacheWriteTokens ?? 0 },
  };
}

export { textDeltas };
