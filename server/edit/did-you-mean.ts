import { bigrams, diceSimilarity } from './similarity';
import { isBlank } from './indentation';

/** Lines of context shown around the closest region. */
const EXCERPT_CONTEXT_LINES = 2;
/** Longest excerpt shown, so a refusal never floods the model's context. */
const EXCERPT_MAX_LINES = 40;
/** Only this many search lines take part in ranking windows (keeps the scan linear-ish). */
const RANKED_SEARCH_LINES = 40;
/** Below this average similarity nothing is offered as a guess. */
const MIN_GUESS_SIMILARITY = 0.35;

export type Guess = { startLine: number; endLine: number; score: number; excerpt: string };

/** The region of the file most like the search block, as a numbered excerpt (1-based lines). */
export function closestRegion(fileLines: readonly string[], searchLines: readonly string[]): Guess | null {
  const search = searchLines.filter((l) => !isBlank(l)).slice(0, RANKED_SEARCH_LINES).map((l) => l.trim());
  if (search.length === 0 || fileLines.length === 0) return null;
  const sGrams = search.map(bigrams);
  const fTrim = fileLines.map((l) => l.trim());
  const fGrams = fTrim.map(bigrams);
  const m = Math.min(search.length, fileLines.length);
  let best = -1;
  let bestAt = 0;
  for (let i = 0; i + m <= fileLines.length; i++) {
    let score = 0;
    for (let j = 0; j < m; j++) {
      score += diceSimilarity(fGrams[i + j], sGrams[j], Math.max(0, fTrim[i + j].length - 1), Math.max(0, search[j].length - 1));
    }
    if (score > best) {
      best = score;
      bestAt = i;
    }
  }
  const avg = best / m;
  if (avg < MIN_GUESS_SIMILARITY) return null;
  const from = Math.max(0, bestAt - EXCERPT_CONTEXT_LINES);
  const to = Math.min(fileLines.length, bestAt + m + EXCERPT_CONTEXT_LINES, from + EXCERPT_MAX_LINES);
  return { startLine: bestAt + 1, endLine: bestAt + m, score: avg, excerpt: numberLines(fileLines, from, to) };
}

/** `  12 | text` lines for file lines [from, to) (0-based in, 1-based out). */
export function numberLines(fileLines: readonly string[], from: number, to: number): string {
  const width = String(to).length;
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${String(i + 1).padStart(width)} | ${fileLines[i]}`);
  return out.join('\n');
}
