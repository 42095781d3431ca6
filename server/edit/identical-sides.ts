import { found, NONE, reindentFor, unsafeStyleChange, type Step } from './cascade-step';
import { isBlank } from './indentation';
import { findContiguous, findIgnoringBlankLines, LINE_COMPARATORS, type LineCandidate, type MatchContext } from './line-match';
import type { Refusal } from './types';

/**
 * How many blank lines may separate the quote from the file for an identical search and replace
 * to be read as a blank-line edit. One is the only count with a single reading: with two, the
 * model may have meant to change either of them or both.
 */
const MAX_BLANK_LINE_DIFFERENCE = 1;

/**
 * A search identical to its replace asks for no change — unless the model lost the one thing it
 * changed: a blank line. A model that deletes (or adds) a blank line and then drops (or adds) that
 * same blank line when quoting the search sends two equal texts. The file then tells what was
 * meant: where the quote and the file differ by exactly one blank line, the replace is the
 * intended state of those lines.
 *
 * - Between quoted lines: the file has one blank line more (or less) than the quote → the region
 *   is rewritten as the replace, so that blank line goes (or comes).
 * - At the edge of a quote that matches as written (no indentation change): when exactly one side
 *   of the block touches blank lines, one of them goes.
 * A quote that needed its indentation put back is not read this way: a model that drops the
 * indentation often drops every blank line too, so the file's blank lines no longer say which
 * one the edit was about (one the file has may be kept, and one it lacks added).
 *
 * Anything else (no difference, several, several places) is refused as a no-op.
 */
export function identicalSidesStep(ctx: MatchContext, sLines: readonly string[]): Step {
  const candidates = firstCandidates(ctx, sLines);
  if (candidates.length !== 1) return NONE;
  // A quote standing as written in several places names none of them, whatever its blank lines.
  if (findContiguous(ctx, sLines, 'exact').length > 1) return NONE;
  const c = candidates[0];
  const unsafe = unsafeStyleChange(ctx, c.shift, c.start, c.end);
  if (unsafe) return unsafe;

  // A quote that needed its indentation put back may have lost every blank line, those the model
  // kept as well as the one it changed, so the difference no longer tells which it meant.
  if (c.shift.kind === 'add') return NONE;
  const difference = blankLineDifference(c, sLines);
  if (difference === MAX_BLANK_LINE_DIFFERENCE) {
    return found('blank-lines', c.start, c.end, reindentFor(ctx, sLines, c.shift, c.start, c.end));
  }
  if (difference !== 0 || c.shift.kind !== 'none') return NONE;
  if (isBlank(sLines[0]) || isBlank(sLines[sLines.length - 1])) return NONE;

  const { fileLines } = ctx;
  const blankAbove = c.start > 0 && isBlank(fileLines[c.start - 1]);
  const blankBelow = c.end < fileLines.length && isBlank(fileLines[c.end]);
  if (blankAbove === blankBelow) return NONE;
  const kept = fileLines.slice(c.start, c.end);
  return blankAbove ? found('blank-lines', c.start - 1, c.end, kept) : found('blank-lines', c.start, c.end + 1, kept);
}

/** The refusal for an identical search and replace that no single blank line explains. */
export const IDENTICAL_SIDES: Refusal = {
  kind: 'no-op',
  message:
    'search and replace are identical, so there is nothing to change (nor does the file differ from the search by a single blank line the edit could be about); put the new text in replace',
};

/** The candidates of the strictest comparator that finds any. */
function firstCandidates(ctx: MatchContext, sLines: readonly string[]): LineCandidate[] {
  for (const comparator of LINE_COMPARATORS) {
    const candidates = findIgnoringBlankLines(ctx, sLines, comparator);
    if (candidates.length > 0) return candidates;
  }
  return [];
}

/**
 * Blank lines by which the located block and the quote differ: between each pair of consecutive
 * quoted lines, and the leading/trailing blank lines of the quote the file could not supply.
 */
function blankLineDifference(c: LineCandidate, sLines: readonly string[]): number {
  let difference = 0;
  for (let k = 1; k < c.pairs.length; k++) {
    const [fileA, searchA] = c.pairs[k - 1];
    const [fileB, searchB] = c.pairs[k];
    difference += Math.abs(fileB - fileA - (searchB - searchA));
  }
  const [firstFile, firstSearch] = c.pairs[0];
  const [lastFile, lastSearch] = c.pairs[c.pairs.length - 1];
  difference += firstSearch - (firstFile - c.start);
  difference += sLines.length - 1 - lastSearch - (c.end - 1 - lastFile);
  return difference;
}
