import { reindentLines, type IndentShift } from './indent-shift';
import { ambiguous, found, indentBlankLinesLikeFile, NONE, unsafeDedent, type Step } from './cascade-step';
import { normalizedText, toLines, type TextModel } from './text-model';
import type { MatchLevel } from './types';

/** Level 1 and 2: the search as a plain substring of the text (with '\n' line endings). */
export function exactStep(model: TextModel, raw: string, rawSearch: string, s: string, r: string): Step {
  const norm = normalizedText(model);
  const at = occurrences(norm, s);
  if (at.length === 0) return NONE;
  const starts = lineStarts(norm);
  if (at.length > 1) {
    return { kind: 'refused', refusal: ambiguous(at.map((o) => lineOf(starts, o) + 1)) };
  }
  const level: MatchLevel = raw.includes(rawSearch) ? 'exact' : 'line-endings';
  const idx = at[0];
  const startLine = lineOf(starts, idx);
  const lastLine = lineOf(starts, idx + s.length - 1);
  const regionStart = starts[startLine];
  const regionEnd = lastLine + 1 < starts.length ? starts[lastLine + 1] : norm.length;
  const prefix = norm.slice(regionStart, idx);
  const suffix = norm.slice(idx + s.length, regionEnd);
  // The search opens with a blank line: "\n\n…", or "\n" and then whitespace up to the next newline.
  const opensWithBlankLine = /^\n[ \t]*\n/.test(s);
  if (s.startsWith('\n') && prefix !== '' && (r === '' || r.startsWith('\n') || opensWithBlankLine)) {
    // Search and replace both open with a blank line (or the block is deleted, or the search
    // quotes whole blank lines), but the text found starts at the end of a line that is not
    // blank: that newline belongs to the line above, not to a blank line of the file. Taking it
    // would join the line above to whatever follows; the line-based levels match blank lines as
    // lines. (A search "\n  .then(" whose replace drops the newline asks for the join, and gets
    // it as a string replace below.)
    return NONE;
  }
  // One line of code, possibly followed by blank lines (whose match says nothing about indentation).
  const singleLine = toLines(s.endsWith('\n') ? s : `${s}\n`).slice(1).every((l) => l.trim() === '');
  const reachesLineEnd = suffix === '' || suffix === '\n';

  if (prefix !== '' && prefix.trim() === '' && singleLine && reachesLineEnd) {
    // One whole line quoted without its indentation: put the replacement at that indentation.
    const shift: IndentShift = { kind: 'add', prefix };
    const unsafe = unsafeDedent(shift, toLines(s), toLines(r));
    if (unsafe) return unsafe;
    const lines = indentBlankLinesLikeFile(model.lines, reindentLines(toLines(r), shift), shift, startLine, lastLine + 1);
    return found('indentation', startLine, lastLine + 1, lines);
  }
  if (prefix === '' && suffix === '' && (s.endsWith('\n') === r.endsWith('\n') || r === '')) {
    return found(level, startLine, lastLine + 1, toLines(r));
  }
  // A fragment inside a line (or a newline-changing edit): behave exactly like a string replace.
  const textLines = (prefix + r + suffix).split('\n');
  const endsWithNewline = textLines[textLines.length - 1] === '';
  if (endsWithNewline) textLines.pop();
  if (!endsWithNewline && lastLine + 1 < model.lines.length) {
    // The text lost its newline: it joins the next line, as String.replace would do.
    const joined = textLines.pop()! + model.lines[lastLine + 1];
    textLines.push(joined);
    return found(level, startLine, lastLine + 2, textLines);
  }
  return found(level, startLine, lastLine + 1, textLines, endsWithNewline);
}

function occurrences(haystack: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) out.push(i);
  return out;
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (i + 1 < text.length) out.push(i + 1);
  return out;
}

/** Index of the line holding offset `at` (binary search over line starts). */
function lineOf(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
