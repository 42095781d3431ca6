import type { ToolCallPart } from '../../llm';

/**
 * The truncated-tool-call detector. When the output-token limit ends a turn while the model is
 * still writing a call's arguments, the LLM layer finishes the turn with `length` and marks that
 * call `truncated`. Its arguments are a prefix: "repaired" JSON would be a well-formed but cut
 * edit (half a file written as if it were whole), so the harness never runs it. The call gets an
 * error result the model reads, and the turn a nudge asking for the same work in smaller pieces.
 */
export function truncatedCalls(calls: readonly ToolCallPart[]): ToolCallPart[] {
  return calls.filter((c) => c.truncated === true);
}

/** Characters of the cut arguments quoted back, so the model sees where it was stopped. */
const QUOTED_TAIL_CHARS = 160;

/** The tool result of a truncated call (the call was not executed). */
export function truncatedCallResult(call: ToolCallPart): string {
  const raw = call.rawArgs ?? '';
  const tail = raw.length > QUOTED_TAIL_CHARS ? `…${raw.slice(-QUOTED_TAIL_CHARS)}` : raw;
  return [
    `Error: your ${call.toolName} call was cut off by the output-token limit before its arguments were complete, so it was NOT executed and nothing was changed.`,
    `It stopped after ${raw.length} characters of arguments${tail ? `, ending with: ${tail}` : ''}.`,
  ].join('\n');
}

/** The nudge for a turn that contained a truncated call. */
export function truncationNudge(calls: readonly ToolCallPart[], maxOutputTokens: number): string {
  const names = [...new Set(calls.map((c) => `\`${c.toolName}\``))].join(', ');
  return [
    `[harness] Your last answer hit the output limit (about ${maxOutputTokens} tokens) while writing ${names}; that call was not executed.`,
    'Continue in smaller steps: split the change into several calls, each well under the limit —',
    '  - edit one file per apply_code_changes call, and use "replace" edits of a few lines instead of rewriting whole files;',
    '  - for a large new file, create a short first part, then add the rest with further edits;',
    '  - keep explanations out of the answer until the edits are done.',
    'Calls in that answer that completed were processed normally.',
  ].join('\n');
}
