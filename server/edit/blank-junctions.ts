import { isBlank } from './indentation';

const OPENS_BLOCK = /[{([]\s*$/;
const CLOSES_BLOCK = /^\s*[})\]]/;

export type LineEdit = { start: number; end: number; lines: string[] };

/**
 * Keep an edit from doubling blank lines where it meets the file. Models often leave a blank line
 * out of (or add one to) the edge of a search block: deleting a block that sat between two blank
 * lines then leaves two, and a replacement that ends in a blank line put before an existing blank
 * line leaves two. A junction may hold as many blank lines as it did before the edit or as the
 * replacement itself asks for, whichever is more; the surplus is dropped. A deletion may not leave
 * a blank line at the start or end of the file that was not there (a replacement that itself
 * begins or ends with blank lines there keeps them: the model wrote them).
 *
 * Regions that are blank throughout are left alone: there the model is editing blank lines.
 */
export function tidyBlankJunctions(fileLines: readonly string[], edit: LineEdit): LineEdit {
  const { start, end } = edit;
  const lines = [...edit.lines];
  const region = fileLines.slice(start, end);
  if (region.every(isBlank)) return edit;

  let before = 0;
  while (start - before > 0 && isBlank(fileLines[start - before - 1])) before++;
  let after = 0;
  while (end + after < fileLines.length && isBlank(fileLines[end + after])) after++;
  const atStart = start - before === 0;
  const atEnd = end + after === fileLines.length;
  const regionLead = countLeadingBlank(region);
  const regionTrail = countTrailingBlank(region);

  if (lines.some((l) => !isBlank(l))) {
    const lead = countLeadingBlank(lines);
    const trail = countTrailingBlank(lines);
    const allowedLead = Math.max(before + regionLead, lead);
    const allowedTrail = Math.max(after + regionTrail, trail);
    const surplusLead = Math.min(lead, before + lead - allowedLead);
    const surplusTrail = Math.min(trail, after + trail - allowedTrail);
    if (surplusLead <= 0 && surplusTrail <= 0) return edit;
    const trimmed = lines.slice(Math.max(0, surplusLead), lines.length - Math.max(0, surplusTrail));
    return { start, end, lines: trimmed };
  }

  // The replacement is empty or blank: the blank runs on both sides now meet.
  if (atStart && atEnd) return edit;
  const merged = before + lines.length + after;
  const allowedRun = atStart
    ? before + regionLead
    : atEnd
      ? after + regionTrail
      : Math.max(before + regionLead, after + regionTrail);
  // Nor may a deletion bring the file's blank lines up against a line that opens a block (or down
  // against one that closes it) when none touched it before: nobody writes `{` and then a blank
  // line on purpose. Blank lines the replacement itself holds are the model's choice and stay.
  if (!atStart && before + regionLead === 0 && OPENS_BLOCK.test(fileLines[start - 1])) {
    return { start, end: end + after, lines };
  }
  if (!atEnd && after + regionTrail === 0 && CLOSES_BLOCK.test(fileLines[end])) {
    return { start: start - before, end, lines };
  }
  let surplus = merged - Math.max(allowedRun, lines.length);
  if (surplus <= 0) return edit;
  let newEnd = end;
  let newStart = start;
  const dropOwn = Math.min(surplus, lines.length);
  lines.splice(0, dropOwn);
  surplus -= dropOwn;
  const dropAfter = Math.min(surplus, after);
  newEnd += dropAfter;
  surplus -= dropAfter;
  newStart -= Math.min(surplus, before);
  return { start: newStart, end: newEnd, lines };
}

function countLeadingBlank(lines: readonly string[]): number {
  let n = 0;
  while (n < lines.length && isBlank(lines[n])) n++;
  return n;
}

function countTrailingBlank(lines: readonly string[]): number {
  let n = 0;
  while (n < lines.length && isBlank(lines[lines.length - 1 - n])) n++;
  return n;
}
