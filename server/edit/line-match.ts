import { computeShift, type IndentShift, type LinePair } from './indent-shift';
import { isBlank, type IndentStyle } from './indentation';

/**
 * How two lines are compared at a cascade level. `same-columns` ignores how indentation is
 * spelled (tabs vs spaces) but not how deep it is; `indentation` also allows a uniform shift.
 */
export type LineComparator = 'exact' | 'trailing-whitespace' | 'same-columns' | 'indentation';

export const LINE_COMPARATORS: readonly LineComparator[] = ['exact', 'trailing-whitespace', 'same-columns', 'indentation'];

export function linesEqual(fileLine: string, searchLine: string, comparator: LineComparator): boolean {
  switch (comparator) {
    case 'exact':
      return fileLine === searchLine;
    case 'trailing-whitespace':
      return fileLine.trimEnd() === searchLine.trimEnd();
    case 'same-columns':
    case 'indentation':
      return fileLine.trim() === searchLine.trim();
  }
}

/** A located block: whole file lines [start, end), the matched pairs, and the indentation shift. */
export type LineCandidate = {
  start: number;
  end: number;
  /** File line index matched to each search line (search lines dropped by the level are absent). */
  pairs: Array<[fileIndex: number, searchIndex: number]>;
  shift: IndentShift;
};

export type MatchContext = { fileLines: readonly string[]; style: IndentStyle };

/** Every place where all search lines match consecutive file lines. */
export function findContiguous(ctx: MatchContext, search: readonly string[], comparator: LineComparator): LineCandidate[] {
  const { fileLines } = ctx;
  const out: LineCandidate[] = [];
  const m = search.length;
  if (m === 0) return out;
  for (let i = 0; i + m <= fileLines.length; i++) {
    let ok = true;
    for (let j = 0; j < m && ok; j++) ok = linesEqual(fileLines[i + j], search[j], comparator);
    if (!ok) continue;
    const pairs: Array<[number, number]> = search.map((_, j) => [i + j, j]);
    const shift = shiftFor(ctx, pairs, search, comparator);
    if (shift) out.push({ start: i, end: i + m, pairs, shift });
  }
  return out;
}

/**
 * Every place where the search's non-blank lines match consecutive non-blank file lines, with
 * any number of blank lines between them on either side. Leading and trailing blank search lines
 * claim as many blank file lines next to the block as exist, so they are replaced too.
 */
export function findIgnoringBlankLines(ctx: MatchContext, search: readonly string[], comparator: LineComparator): LineCandidate[] {
  const { fileLines } = ctx;
  const solidSearch: number[] = [];
  search.forEach((line, j) => {
    if (!isBlank(line)) solidSearch.push(j);
  });
  if (solidSearch.length === 0) return [];
  const solidFile: number[] = [];
  fileLines.forEach((line, i) => {
    if (!isBlank(line)) solidFile.push(i);
  });
  const leading = solidSearch[0];
  const trailing = search.length - 1 - solidSearch[solidSearch.length - 1];
  const out: LineCandidate[] = [];
  const m = solidSearch.length;
  for (let k = 0; k + m <= solidFile.length; k++) {
    let ok = true;
    for (let j = 0; j < m && ok; j++) ok = linesEqual(fileLines[solidFile[k + j]], search[solidSearch[j]], comparator);
    if (!ok) continue;
    const pairs: Array<[number, number]> = solidSearch.map((sj, j) => [solidFile[k + j], sj]);
    const shift = shiftFor(ctx, pairs, search, comparator);
    if (!shift) continue;
    let start = solidFile[k];
    let end = solidFile[k + m - 1] + 1;
    for (let n = 0; n < leading && start > 0 && isBlank(fileLines[start - 1]); n++) start--;
    for (let n = 0; n < trailing && end < fileLines.length && isBlank(fileLines[end]); n++) end++;
    out.push({ start, end, pairs, shift });
  }
  return out;
}

export function shiftFor(
  ctx: MatchContext,
  pairs: ReadonlyArray<readonly [number, number]>,
  search: readonly string[],
  comparator: LineComparator,
): IndentShift | null {
  if (comparator !== 'indentation' && comparator !== 'same-columns') return { kind: 'none' };
  const linePairs: LinePair[] = pairs.map(([fi, sj]) => [ctx.fileLines[fi], search[sj]] as const);
  const shift = computeShift(linePairs, ctx.style);
  if (!shift || comparator === 'indentation') return shift;
  return shift.kind === 'none' || (shift.kind === 'width' && shift.delta === 0) ? shift : null;
}
