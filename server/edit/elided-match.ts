import { ambiguous, found, lineStep, NONE, refusedStep, reindentFor, unsafeDedent, unsafeStyleChange, type Step } from './cascade-step';
import { isElisionMarker, splitAtMarkers } from './elision';
import type { IndentShift } from './indent-shift';
import { findContiguous, LINE_COMPARATORS, shiftFor, type LineCandidate, type MatchContext } from './line-match';

/** An elided gap must hide at least this many lines (a marker standing for nothing is a slip). */
const MIN_ELIDED_LINES = 1;
/**
 * When a segment occurs more than once around a gap, another occurrence may sit inside the hidden
 * lines. The nearest one is trusted only if the segment has at least WEAK_SEGMENT_MIN_LINES lines,
 * and — when it is weak (fewer letters and digits than WEAK_SEGMENT_MIN_ALNUM: `}`, `});`, `/**`,
 * blank lines) — only if the gap is at most WEAK_SEGMENT_MAX_GAP lines. Otherwise: ambiguous.
 */
const WEAK_SEGMENT_MIN_ALNUM = 8;
const WEAK_SEGMENT_MIN_LINES = 2;
const WEAK_SEGMENT_MAX_GAP = 8;

/**
 * Level 7: `...` lines in the search stand for unchanged file lines. Every segment between markers
 * must match, in order, with at least one line hidden in each gap; the replacement carries the
 * same markers and the hidden lines are kept where its markers stand.
 */
export function elisionStep(ctx: MatchContext, sLines: readonly string[], rLines: readonly string[]): Step {
  if (!sLines.some(isElisionMarker)) return NONE;
  let sSeg = splitAtMarkers(sLines);
  let rSeg = splitAtMarkers(rLines);
  if (sSeg.length !== rSeg.length) {
    // Where every "..." of the search is also a line of the file (a README's code sample, a
    // Python stub), the markers may be the file's own text: let the next levels judge the block.
    const markers = sLines.filter(isElisionMarker).map((l) => l.trim());
    if (markers.every((m) => ctx.fileLines.some((l) => l.trim() === m))) return NONE;
    return refusedStep('invalid', `the search has ${sSeg.length - 1} elision marker(s) ("...") but the replace has ${rSeg.length - 1}; mark the same gaps in both so the hidden lines can be kept`);
  }
  // Leading/trailing markers anchor nothing; the replacement may not add text there.
  if (sSeg[0].length === 0) {
    if (rSeg[0].length !== 0) return refusedStep('invalid', 'text before a leading "..." in the replace has no place in the search; start the search with real lines');
    sSeg = sSeg.slice(1);
    rSeg = rSeg.slice(1);
  }
  if (sSeg.length > 0 && sSeg[sSeg.length - 1].length === 0) {
    if (rSeg[rSeg.length - 1].length !== 0) return refusedStep('invalid', 'text after a trailing "..." in the replace has no place in the search; end the search with real lines');
    sSeg = sSeg.slice(0, -1);
    rSeg = rSeg.slice(0, -1);
  }
  if (sSeg.some((seg) => seg.length === 0)) return refusedStep('invalid', 'two elision markers in a row in the search; quote at least one real line between gaps');
  if (sSeg.length < 2) {
    // Only edge markers: an ordinary block.
    for (const comparator of LINE_COMPARATORS) {
      const step = lineStep(ctx, 'elision', findContiguous(ctx, sSeg[0] ?? [], comparator), rSeg[0] ?? [], sSeg[0] ?? []);
      if (step.kind !== 'none') return step;
    }
    return NONE;
  }
  for (const comparator of LINE_COMPARATORS) {
    const perSegment = sSeg.map((seg) => findContiguous(ctx, seg, comparator));
    if (perSegment.some((c) => c.length === 0)) continue;
    const flat = sSeg.flat();
    const weak = sSeg.map((seg) => seg.join('').replace(/[^\p{L}\p{N}]/gu, '').length < WEAK_SEGMENT_MIN_ALNUM);
    const tooShort = sSeg.map((seg) => seg.length < WEAK_SEGMENT_MIN_LINES);
    const combos = chainSegments(perSegment, weak, tooShort, 2, (chain) => {
      // Re-express pairs against the flattened search so one shift covers every segment.
      let offset = 0;
      const rebased: Array<[number, number]> = [];
      chain.forEach((c, k) => {
        for (const [fi, sj] of c.pairs) rebased.push([fi, sj + offset]);
        offset += sSeg[k].length;
      });
      return shiftFor(ctx, rebased, flat, comparator);
    });
    if (combos === 'ambiguous') {
      return refusedStep('ambiguous', 'a line next to "..." occurs more than once around the gap (a single line, or a short one like "}"), so where the hidden lines end cannot be told; quote two or three distinctive lines on each side of "..."');
    }
    if (combos.length === 0) continue;
    if (combos.length > 1) return { kind: 'refused', refusal: ambiguous(combos.map((c) => c.chain[0].start + 1)) };
    const { chain, shift } = combos[0];
    const start = chain[0].start;
    const end = chain[chain.length - 1].end;
    const unsafe = unsafeStyleChange(ctx, shift, start, end) ?? unsafeDedent(shift, sSeg.flat(), rSeg.flat());
    if (unsafe) return unsafe;
    const lines: string[] = [];
    chain.forEach((c, k) => {
      lines.push(...reindentFor(ctx, rSeg[k], shift, start, end));
      if (k + 1 < chain.length) lines.push(...ctx.fileLines.slice(c.end, chain[k + 1].start));
    });
    return found('elision', start, end, lines);
  }
  return NONE;
}

/**
 * In-order chains of one candidate per segment, at most `limit`, each accepted by `accept`.
 * A gap spans the fewest lines: after a segment the nearest next one is taken, and of several
 * starting places that reach the same end the latest is kept — a model writes `...` for the few
 * lines it skipped. Nearest is only trusted close by for weak segments (see WEAK_SEGMENT_*).
 * Chains that end in different places stay distinct, so the caller can refuse them as ambiguous.
 */
function chainSegments(
  perSegment: LineCandidate[][],
  weak: readonly boolean[],
  tooShort: readonly boolean[],
  limit: number,
  accept: (chain: LineCandidate[]) => IndentShift | null,
): Array<{ chain: LineCandidate[]; shift: IndentShift }> | 'ambiguous' {
  const byEnd = new Map<number, LineCandidate[][]>();
  for (const first of perSegment[0]) {
    const chain = [first];
    for (let k = 1; k < perSegment.length; k++) {
      const after = chain[k - 1].end + MIN_ELIDED_LINES;
      const options = perSegment[k].filter((c) => c.start >= after);
      const next = options[0];
      if (!next) break;
      if (options.length > 1 && (tooShort[k] || (weak[k] && next.start - chain[k - 1].end > WEAK_SEGMENT_MAX_GAP))) {
        // Which occurrence was meant is unclear; a later head must not pick a tail past this one.
        return 'ambiguous';
      }
      chain.push(next);
    }
    if (chain.length !== perSegment.length) continue;
    const end = chain[chain.length - 1].end;
    const rivals = byEnd.get(end) ?? [];
    // Heads are visited in file order, so a later head reaching the same end spans fewer lines
    // and replaces the earlier one — unless it is weak and far, when both stay (ambiguous).
    const trusted = !tooShort[0] && (!weak[0] || chain[1].start - first.end <= WEAK_SEGMENT_MAX_GAP);
    byEnd.set(end, rivals.length > 0 && !trusted ? [...rivals, chain] : [chain]);
  }
  const out: Array<{ chain: LineCandidate[]; shift: IndentShift }> = [];
  for (const chain of [...byEnd.values()].flat()) {
    const shift = accept(chain);
    if (shift) out.push({ chain, shift });
    if (out.length >= limit) break;
  }
  return out;
}
