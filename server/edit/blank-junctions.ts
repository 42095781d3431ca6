import { isBlank } from './indentation';

export type LineEdit = { start: number; end: number; lines: string[] };

/** Blank lines at the edges of the search: the ones a replacement may merely echo. */
export type SearchEdges = { lead: number; trail: number };

/**
 * Drop the replacement's copies of blank lines the search quoted at its edge but the file does not
 * have there. A search matched loosely (ignoring blank lines) may open or close with blank lines
 * that are not in the place found; its replacement usually repeats them, and written as they stand
 * they would add blank lines nobody asked for. Only those echoes can go: a blank line the
 * replacement writes beyond its search's is the model's and stays, and the file's own blank lines
 * are never touched — a deletion between blank lines leaves them as they are, as a string replace
 * would.
 *
 * @example
 * // search "x\n\n", replace "y\n\n", found at "x" in "x\nz": the echo of the blank line goes
 * tidyBlankJunctions(['x', 'z'], { start: 0, end: 1, lines: ['y', ''] }, { lead: 0, trail: 1 }) // lines ['y']
 */
export function tidyBlankJunctions(fileLines: readonly string[], edit: LineEdit, search: SearchEdges = { lead: 0, trail: 0 }): LineEdit {
  const { lines } = edit;
  if (!lines.some((l) => !isBlank(l))) return edit;
  const region = fileLines.slice(edit.start, edit.end);
  // The replacement's edge blank lines up to the search's count echo them; of those, the ones the
  // region found does not hold would add blank lines (or double the file's, next to the region).
  const dropLead = Math.max(0, Math.min(countLeadingBlank(lines), search.lead) - countLeadingBlank(region));
  const dropTrail = Math.max(0, Math.min(countTrailingBlank(lines), search.trail) - countTrailingBlank(region));
  if (dropLead === 0 && dropTrail === 0) return edit;
  return { start: edit.start, end: edit.end, lines: lines.slice(dropLead, lines.length - dropTrail) };
}

export function countLeadingBlank(lines: readonly string[]): number {
  let n = 0;
  while (n < lines.length && isBlank(lines[n])) n++;
  return n;
}

export function countTrailingBlank(lines: readonly string[]): number {
  let n = 0;
  while (n < lines.length && isBlank(lines[lines.length - 1 - n])) n++;
  return n;
}
