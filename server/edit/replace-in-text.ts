import { countLeadingBlank, countTrailingBlank, tidyBlankJunctions } from './blank-junctions';
import { lineStep, MAX_LISTED_PLACES, NONE, refusedStep, type Located, type Step } from './cascade-step';
import { closestRegion } from './did-you-mean';
import { elisionStep } from './elided-match';
import { isCommentMarker, isElisionMarker } from './elision';
import { exactStep } from './exact-match';
import { findFuzzy } from './fuzzy-match';
import { IDENTICAL_SIDES, identicalSidesStep } from './identical-sides';
import { detectIndentStyle } from './indentation';
import { findContiguous, findIgnoringBlankLines, LINE_COMPARATORS, type MatchContext } from './line-match';
import { numberedLines } from './line-numbers';
import { parseText, renderText, spliceLines, toLf, toLines, type TextModel } from './text-model';
import type { Refusal, ReplaceOutcome } from './types';

/**
 * Apply one search/replace to a text through the matching cascade (strict → loose). Pure: returns
 * the new text or a refusal; never a guess between several places.
 *
 * @example replaceInText('a\n  b\n', 'b\n', 'c\n') // → { ok: true, content: 'a\n  c\n', level: 'indentation', … }
 */
export function replaceInText(text: string, search: string, replace: string): ReplaceOutcome {
  const s = toLf(search);
  const r = toLf(replace);
  if (s.trim() === '') return refuse('invalid', 'the search text is empty or only whitespace; quote the lines to change');

  const sLines = toLines(s);
  const rLines = toLines(r);
  const lineShaped = s.includes('\n') || r.includes('\n');
  if (lineShaped && rLines.some(isCommentMarker) && !sLines.some(isElisionMarker)) {
    // Applied as written, the marker comment would replace real code in the file. (A fragment
    // inside one line, like `x; // ...`, is an ordinary comment.)
    return refuse('invalid', 'the replace text contains an elision marker ("// ... existing code ...") but the search does not; write the lines out in full, or mark the same gap in both');
  }
  const parsed = parseText(text);
  // A file without any line break says nothing about its style; the replace text then decides.
  const model: TextModel = parsed.eolKnown || !replace.includes('\r\n') ? parsed : { ...parsed, eol: '\r\n' };
  const ctx: MatchContext = { fileLines: model.lines, style: detectIndentStyle(model.lines) };
  if (s === r) {
    // Equal texts change nothing, unless they lost the blank line the model meant to edit.
    // Only a quote of whole lines can be about the blank lines between them.
    const result = s.endsWith('\n') ? identicalSidesStep(ctx, sLines) : NONE;
    if (result.kind === 'found') return finish(model, result.located, s, r);
    return { ok: false, refusal: result.kind === 'refused' ? result.refusal : IDENTICAL_SIDES };
  }

  const steps: Array<() => Step> = [
    () => exactStep(model, text, search, s, r),
    () => lineStep(ctx, 'trailing-whitespace', findContiguous(ctx, sLines, 'trailing-whitespace'), rLines, sLines),
    () => lineStep(ctx, 'indentation', findContiguous(ctx, sLines, 'same-columns'), rLines, sLines),
    () => lineStep(ctx, 'indentation', findContiguous(ctx, sLines, 'indentation'), rLines, sLines),
    () => lineNumbersStep(ctx, sLines, rLines),
    () => blankLinesStep(ctx, sLines, rLines),
    () => elisionStep(ctx, sLines, rLines),
    () => alreadyAppliedStep(ctx, rLines),
    () => lineStep(ctx, 'fuzzy', findFuzzy(ctx.fileLines, sLines, ctx.style), rLines, sLines),
  ];
  for (const step of steps) {
    const result = step();
    if (result.kind === 'refused') return { ok: false, refusal: result.refusal };
    if (result.kind === 'found') return finish(model, result.located, s, r);
  }
  return { ok: false, refusal: notFound(ctx.fileLines, sLines) };
}

function finish(model: TextModel, located: Located, s: string, r: string): ReplaceOutcome {
  const sLines = toLines(s);
  const tidy = tidyBlankJunctions(model.lines, located.edit, { lead: countLeadingBlank(sLines), trail: countTrailingBlank(sLines) });
  // The written block ends with a newline unless it replaces the file's unterminated last line;
  // a search without a final newline whose replace has one asks for the newline to be added.
  const endsFile = tidy.end === model.lines.length && model.eols[tidy.end - 1] === '';
  const terminated = located.terminated ?? (!endsFile || (r.endsWith('\n') && !s.endsWith('\n')));
  const before = model.lines.slice(tidy.start, tidy.end);
  const sameLines = before.length === tidy.lines.length && before.every((l, i) => l === tidy.lines[i]);
  if (sameLines && terminated === !endsFile) {
    return refuse('no-op', `the replacement leaves lines ${tidy.start + 1}-${tidy.end} as they are, so there is nothing to change`);
  }
  const body = tidy.lines.join('\n');
  const written = tidy.lines.length === 0 ? '' : terminated ? body + '\n' : body;
  const next = spliceLines(model, tidy.start, tidy.end, written);
  return { ok: true, content: renderText(next), level: located.level, startLine: tidy.start + 1 };
}

function lineNumbersStep(ctx: MatchContext, sLines: readonly string[], rLines: readonly string[]): Step {
  const numbered = numberedLines(sLines);
  if (!numbered) return NONE;
  const stripped = numbered.lines;
  // Stripped only when numbered from the same view, starting where the search does.
  const replacement = numberedLines(rLines, numbered.numbering)?.lines ?? rLines;
  for (const comparator of LINE_COMPARATORS) {
    const step = lineStep(ctx, 'line-numbers', findContiguous(ctx, stripped, comparator), replacement, stripped);
    if (step.kind !== 'none') return step;
  }
  return NONE;
}

function blankLinesStep(ctx: MatchContext, sLines: readonly string[], rLines: readonly string[]): Step {
  for (const comparator of LINE_COMPARATORS) {
    const step = lineStep(ctx, 'blank-lines', findIgnoringBlankLines(ctx, sLines, comparator), rLines, sLines);
    if (step.kind !== 'none') return step;
  }
  return NONE;
}

/** Before guessing, check whether the replacement is already in the file (a repeated call). */
function alreadyAppliedStep(ctx: MatchContext, rLines: readonly string[]): Step {
  if (rLines.every((l) => l.trim() === '')) return NONE;
  const placed = findContiguous(ctx, rLines, 'indentation');
  if (placed.length === 0) return NONE;
  const where = placed.map((c) => c.start + 1).slice(0, MAX_LISTED_PLACES).join(', ');
  return refusedStep('already-applied', `the search text is not in the file, but the replace text already is (line ${where}); the change looks applied already — read the file before editing again`);
}

function refuse(kind: Refusal['kind'], message: string): ReplaceOutcome {
  return { ok: false, refusal: { kind, message } };
}

function notFound(fileLines: readonly string[], sLines: readonly string[]): Refusal {
  const guess = closestRegion(fileLines, sLines);
  if (!guess) return { kind: 'not-found', message: 'the search text was not found, and nothing in the file resembles it; read the file and quote its current lines' };
  return {
    kind: 'not-found',
    message:
      `the search text was not found. Did you mean lines ${guess.startLine}-${guess.endLine}? ` +
      `Closest region (similarity ${guess.score.toFixed(2)}):\n${guess.excerpt}\n` +
      'Copy the lines exactly as they stand (without the line numbers) into search.',
  };
}

