import type { LineEdit } from './blank-junctions';
import { unmatchedClosers } from './bracket-balance';
import { reindentLines, type IndentShift } from './indent-shift';
import type { LineCandidate, MatchContext } from './line-match';
import type { MatchLevel, Refusal } from './types';

/** Ambiguity messages list at most this many places. */
export const MAX_LISTED_PLACES = 5;
/** Lines around a match inspected for mixed indentation. */
const STYLE_WINDOW_LINES = 20;

/** `terminated` overrides whether the written block ends with a newline (string-replace semantics). */
export type Located = { level: MatchLevel; edit: LineEdit; terminated?: boolean };

/** What one level of the cascade concluded: found one place, refused, or nothing (try the next). */
export type Step = { kind: 'found'; located: Located } | { kind: 'refused'; refusal: Refusal } | { kind: 'none' };

export const NONE: Step = { kind: 'none' };

export function found(level: MatchLevel, start: number, end: number, lines: string[], terminated?: boolean): Step {
  return { kind: 'found', located: { level, edit: { start, end, lines }, terminated } };
}

export function refusedStep(kind: Refusal['kind'], message: string): Step {
  return { kind: 'refused', refusal: { kind, message } };
}

export function ambiguous(lines: number[]): Refusal {
  const listed = lines.slice(0, MAX_LISTED_PLACES).join(', ') + (lines.length > MAX_LISTED_PLACES ? ', …' : '');
  return {
    kind: 'ambiguous',
    message: `the search text matches ${lines.length} places (starting at lines ${listed}); include more surrounding lines so it matches exactly one`,
  };
}

/**
 * The usual end of a line-based level: no candidate → next level, several → refuse, one → the
 * replacement re-indented to the place found.
 */
export function lineStep(
  ctx: MatchContext,
  level: MatchLevel,
  candidates: LineCandidate[],
  rLines: readonly string[],
  sLines: readonly string[],
): Step {
  if (candidates.length === 0) return NONE;
  if (candidates.length > 1) return { kind: 'refused', refusal: ambiguous(candidates.map((c) => c.start + 1)) };
  const c = candidates[0];
  const unsafe = unsafeStyleChange(ctx, c.shift, c.start, c.end) ?? unsafeDedent(c.shift, sLines, rLines);
  if (unsafe) return unsafe;
  return found(level, c.start, c.end, reindentFor(ctx, rLines, c.shift, c.start, c.end));
}

/**
 * The replacement lines in the file's frame: re-indented, blank lines styled like the file's
 * around [start, end).
 */
export function reindentFor(ctx: MatchContext, rLines: readonly string[], shift: IndentShift, start: number, end: number): string[] {
  return indentBlankLinesLikeFile(ctx.fileLines, reindentLines(rLines, shift), shift, start, end);
}

/** A refusal when tabs/spaces were swapped in a stretch of file that itself mixes them. */
export function unsafeStyleChange(ctx: MatchContext, shift: IndentShift, start: number, end: number): Step | null {
  if (convertsStyle(shift) && mixedIndentation(ctx.fileLines, start, end)) {
    return refusedStep(
      'ambiguous',
      `the search matches lines ${start + 1}-${end} only with tabs and spaces swapped, and the file mixes tabs and spaces there, so the replacement's indentation cannot be chosen safely; copy the lines with their exact indentation`,
    );
  }
  return null;
}

/**
 * A search quoted without its indentation is put back at the file's; its replacement gets the
 * same prefix. If the replacement closes more blocks opened above the search than the search does,
 * those closing lines belong left of the prefix — indentation the quote no longer shows — so the
 * replacement cannot be placed safely.
 */
export function unsafeDedent(shift: IndentShift, sLines: readonly string[], rLines: readonly string[]): Step | null {
  if (shift.kind !== 'add') return null;
  if (unmatchedClosers(rLines) <= unmatchedClosers(sLines)) return null;
  return refusedStep(
    'ambiguous',
    'the search matched only after adding indentation, and the replace closes blocks opened above the search, so the indentation of those closing lines is unknown; quote the lines with their exact indentation',
  );
}

/**
 * Some files keep the indentation on blank lines inside blocks. When a dedented replacement is
 * put back at its indentation where the file does so, its inner blank lines get that indentation
 * too. The blank lines nearest the edited block decide (a file may have been written by several
 * hands); the whole file decides when those disagree or there are none.
 */
export function indentBlankLinesLikeFile(
  fileLines: readonly string[],
  lines: string[],
  shift: IndentShift,
  start: number,
  end: number,
): string[] {
  if (shift.kind !== 'add') return lines;
  if (!blankLinesIndented(fileLines, start, end)) return lines;
  const first = lines.findIndex((l) => l.trim() !== '');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  return lines.map((l, i) => (i > first && i < last && l === '' ? shift.prefix : l));
}

/** Whether blank lines near [start, end) — or failing a clear answer there, in the file — keep indentation. */
function blankLinesIndented(fileLines: readonly string[], start: number, end: number): boolean {
  const above = nearestBlank(fileLines, start - 1, -1);
  const below = nearestBlank(fileLines, end, 1);
  const near = [above, below].filter((l): l is string => l !== null);
  if (near.length > 0 && near.every((l) => l !== '')) return true;
  if (near.length > 0 && near.every((l) => l === '')) return false;
  let indentedBlank = 0;
  let emptyBlank = 0;
  for (const line of fileLines) {
    if (line === '') emptyBlank++;
    else if (line.trim() === '') indentedBlank++;
  }
  return indentedBlank > emptyBlank;
}

/** The first blank line from `from` stepping by `step`, within STYLE_WINDOW_LINES, or null. */
function nearestBlank(fileLines: readonly string[], from: number, step: 1 | -1): string | null {
  for (let i = from, n = 0; i >= 0 && i < fileLines.length && n < STYLE_WINDOW_LINES; i += step, n++) {
    if (fileLines[i].trim() === '') return fileLines[i];
  }
  return null;
}

function convertsStyle(shift: IndentShift): boolean {
  if (shift.kind !== 'width') return false;
  for (const [searchIndent, fileIndent] of shift.known) if (searchIndent !== fileIndent) return true;
  return false;
}

/**
 * Whether the file near [start, end) indents with both tabs and runs of spaces (or a space before
 * a tab). There, the tab/space spelling of a replacement line cannot be inferred from the file.
 * A single space before `*` (doc-comment continuation in tab-indented code) does not count.
 */
function mixedIndentation(fileLines: readonly string[], start: number, end: number): boolean {
  let tabs = 0;
  let spaces = 0;
  for (let i = Math.max(0, start - STYLE_WINDOW_LINES); i < Math.min(fileLines.length, end + STYLE_WINDOW_LINES); i++) {
    const indent = /^[ \t]*/.exec(fileLines[i])![0];
    if (/ \t/.test(indent)) return true;
    if (indent.startsWith('\t')) tabs++;
    else if (indent.startsWith('  ')) spaces++;
  }
  return tabs > 0 && spaces > 0;
}

