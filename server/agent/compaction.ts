import type { Message, ToolResultContent } from '../llm';
import { RECENT_TURNS_FULL_OUTPUT, RECENT_TURNS_VERBATIM, REFERENCE_HEAD_CHARS, SUMMARY_MAX_LINES } from './budgets';
import type { ToolExchange, TurnRecord } from './loop-state';
import { estimateTokens, MESSAGE_OVERHEAD_TOKENS, type ModelFamily } from './token-estimate';
import { clip } from './working-state';

/**
 * Builds the request for one turn under a token budget. Kept, in this order of importance:
 * system prompt, working state, the re-anchored objective (last, nearest the model's answer),
 * the last K turns verbatim. Older turns live as one line each in a rolling summary (their full
 * tool output is in the context cache, by reference). When the estimate is still over budget
 * the ladder goes: fewer verbatim turns → shorter tool outputs → shorter summary.
 */
export interface PromptInput {
  system: string;
  /** The opening task message (objective, criteria, handoff references). */
  task: string;
  /** Rolling one-line summaries of turns no longer verbatim. */
  summary: string[];
  /** Turns not yet summarised, oldest first. */
  transcript: TurnRecord[];
  workingState: string;
  anchor: string;
  /** Nudges and injected messages for this turn. */
  pending: string[];
  family: ModelFamily;
  budget: number;
  /** Tokens the tool definitions cost (sent with every request). */
  toolTokens: number;
}

export interface BuiltPrompt {
  system: string;
  messages: Message[];
  estimatedTokens: number;
  /** Turns that had to be summarised beyond the usual window to fit. */
  droppedTurns: number;
  level: number;
}

/** A turn as one summary line: what was called, how it went, where the full output is. */
export function summariseTurn(t: TurnRecord): string {
  const calls = t.exchanges.map((e) => `${e.toolName}(${clip(argsBrief(e.args), 80)}) → ${e.isError ? 'error' : 'ok'}${e.ref ? ` ${e.ref}` : ''}`);
  const said = t.text.trim() ? ` said: ${clip(t.text, 100)}` : '';
  return `turn ${t.turn}: ${calls.length ? calls.join('; ') : 'no tool call'}${said}`;
}

function argsBrief(args: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (k === 'changes' && Array.isArray(v)) parts.push(`${v.length} change(s) to ${v.map((c) => (c as { path?: string })?.path).join(',')}`);
    else parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' ');
}

function shortened(e: ToolExchange, headChars: number): string {
  if (e.output.length <= headChars) return e.output;
  return `${e.output.slice(0, headChars)}\n… [${e.output.length - headChars} more characters; recall ${e.ref ?? 'unavailable'} for the full output]`;
}

function turnMessages(t: TurnRecord, outputChars: number | undefined): Message[] {
  const msgs: Message[] = [];
  if (t.exchanges.length === 0) {
    msgs.push({ role: 'assistant', content: t.text || '(no answer)' });
  } else {
    msgs.push({
      role: 'assistant',
      content: [...(t.text.trim() ? [{ type: 'text' as const, text: t.text }] : []), ...t.exchanges.map((e) => ({ type: 'tool-call' as const, id: e.callId, toolName: e.toolName, args: e.args }))],
    });
    const results: ToolResultContent[] = t.exchanges.map((e) => ({
      type: 'tool-result',
      toolCallId: e.callId,
      toolName: e.toolName,
      result: outputChars === undefined ? e.output : shortened(e, outputChars),
      ...(e.isError ? { isError: true } : {}),
    }));
    msgs.push({ role: 'tool', content: results });
  }
  if (t.notes.length) msgs.push({ role: 'user', content: t.notes.join('\n\n') });
  return msgs;
}

function estimateMessages(messages: Message[], family: ModelFamily): number {
  let n = 0;
  for (const m of messages) {
    n += MESSAGE_OVERHEAD_TOKENS;
    if (typeof m.content === 'string') n += estimateTokens(m.content, family);
    else
      for (const c of m.content) {
        if (c.type === 'text' || c.type === 'reasoning') n += estimateTokens(c.text, family);
        else if (c.type === 'tool-call') n += estimateTokens(c.toolName + JSON.stringify(c.args), family) + MESSAGE_OVERHEAD_TOKENS;
        else n += estimateTokens(c.result, family) + MESSAGE_OVERHEAD_TOKENS;
      }
  }
  return n;
}

/** Compaction ladder: [verbatim turns, full-output turns, head chars, summary lines]. */
const LADDER: Array<[number, number, number, number]> = [
  [RECENT_TURNS_VERBATIM, RECENT_TURNS_FULL_OUTPUT, REFERENCE_HEAD_CHARS, SUMMARY_MAX_LINES],
  [4, 1, 300, SUMMARY_MAX_LINES],
  [2, 1, 200, 8],
  [1, 1, 200, 4],
  [1, 0, 600, 2],
  [1, 0, 200, 0],
];

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const fixed = estimateTokens(input.system, input.family) + input.toolTokens;
  let last: BuiltPrompt | undefined;
  for (let level = 0; level < LADDER.length; level++) {
    const [verbatim, full, head, summaryLines] = LADDER[level];
    const keep = input.transcript.slice(-verbatim);
    const overflow = input.transcript.slice(0, input.transcript.length - keep.length);
    const summary = [...input.summary, ...overflow.map(summariseTurn)].slice(-summaryLines);
    const messages: Message[] = [{ role: 'user', content: input.task }];
    const omitted = input.summary.length + overflow.length - summary.length;
    if (summary.length) {
      messages.push({
        role: 'user',
        content: `## Earlier turns (compacted)\n${omitted > 0 ? `(${omitted} older turns omitted; their facts are in the working state, their outputs in the context cache)\n` : ''}${summary.join('\n')}`,
      });
    }
    keep.forEach((t, i) => messages.push(...turnMessages(t, i >= keep.length - full ? undefined : head)));
    const closing = [input.workingState, input.anchor, ...input.pending].filter(Boolean).join('\n\n');
    messages.push({ role: 'user', content: closing });
    const estimatedTokens = fixed + estimateMessages(messages, input.family);
    last = { system: input.system, messages, estimatedTokens, droppedTurns: overflow.length, level };
    if (estimatedTokens <= input.budget) return last;
  }
  return last!;
}

/** What the naive agent would send: the whole thread, every output in full (benchmarks compare). */
export function naiveThreadTokens(input: { system: string; task: string; turns: TurnRecord[]; family: ModelFamily; toolTokens: number }): number {
  const messages: Message[] = [{ role: 'user', content: input.task }, ...input.turns.flatMap((t) => turnMessages(t, undefined))];
  return estimateTokens(input.system, input.family) + input.toolTokens + estimateMessages(messages, input.family);
}
