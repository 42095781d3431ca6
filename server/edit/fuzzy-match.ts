import { isBlank, type IndentStyle } from './indentation';
import { computeShift, type LinePair } from './indent-shift';
import type { LineCandidate } from './line-match';
import { similarity } from './similarity';

/** A search needs this many non-blank lines before one of them may be misremembered… */
export const FUZZY_MIN_SOLID_LINES = 3;
/** …or this many when the odd line differs only in quote style or a trailing `;`/`,`. */
export const FUZZY_MIN_SOLID_LINES_CANONICAL = 2;
/** At most this many lines of a search block may differ from the file. */
export const FUZZY_MAX_STALE_LINES = 1;
/** A misremembered line must be at least this similar (1 - edit distance / length) to the file's. */
export const FUZZY_LINE_SIMILARITY = 0.8;

/**
 * Blocks where every search line but one matches (ignoring indentation) and the odd one out is a
 * near-copy of the file's line — a swapped quote style, a lost semicolon. Only tried when no
 * stricter level matched; the caller refuses when more than one block qualifies.
 */
export function findFuzzy(fileLines: readonly string[], search: readonly string[], style: IndentStyle): LineCandidate[] {
  const m = search.length;
  const solid = search.filter((l) => !isBlank(l)).length;
  if (solid < FUZZY_MIN_SOLID_LINES_CANONICAL) return [];
  const close = solid >= FUZZY_MIN_SOLID_LINES ? closeEnough : sameButPunctuation;
  const trimmedSearch = search.map((l) => l.trim());
  const out: LineCandidate[] = [];
  for (let i = 0; i + m <= fileLines.length; i++) {
    const stale: number[] = [];
    for (let j = 0; j < m && stale.length <= FUZZY_MAX_STALE_LINES; j++) {
      if (fileLines[i + j].trim() !== trimmedSearch[j]) stale.push(j);
    }
    if (stale.length === 0 || stale.length > FUZZY_MAX_STALE_LINES) continue;
    if (!stale.every((j) => close(fileLines[i + j], search[j]))) continue;
    const pairs: Array<[number, number]> = search.map((_, j) => [i + j, j]);
    const linePairs: LinePair[] = pairs.filter(([, j]) => !stale.includes(j)).map(([fi, j]) => [fileLines[fi], search[j]] as const);
    const shift = computeShift(linePairs, style);
    if (!shift) continue;
    out.push({ start: i, end: i + m, pairs, shift });
  }
  return out;
}

/** Quote style and statement terminators are the usual slips; compare without them first. */
function closeEnough(fileLine: string, searchLine: string): boolean {
  const a = fileLine.trim();
  const b = searchLine.trim();
  if (a === '' || b === '') return false;
  if (canonical(a) === canonical(b)) return true;
  return similarity(a, b) >= FUZZY_LINE_SIMILARITY;
}

function sameButPunctuation(fileLine: string, searchLine: string): boolean {
  const a = fileLine.trim();
  const b = searchLine.trim();
  return a !== '' && b !== '' && canonical(a) === canonical(b);
}

function canonical(line: string): string {
  return line.replace(/["'`]/g, '"').replace(/[;,]\s*$/, '').replace(/\s+/g, ' ');
}
