import { detectIndentStyle, indentWidth, isBlank, leadingWhitespace, renderIndent, TAB_WIDTH, type IndentStyle } from './indentation';

/**
 * How the search block's indentation relates to the file's at a match, and so how the
 * replacement must be re-indented to sit where the search was found.
 * - `none`: identical indentation.
 * - `add`: the file has `prefix` in front of every search line (the model dropped common indentation).
 * - `remove`: the search has `prefix` in front of every file line.
 * - `width`: same columns, different characters (tabs vs spaces), or a uniform column shift;
 *   `known` maps search indentations seen in the match to the file's own strings.
 */
export type IndentShift =
  | { kind: 'none' }
  | { kind: 'add'; prefix: string }
  | { kind: 'remove'; prefix: string }
  | { kind: 'width'; delta: number; style: IndentStyle; known: Map<string, string> };

/** A (file line, search line) pair that matched. */
export type LinePair = readonly [fileLine: string, searchLine: string];

/** The one shift consistent with every non-blank pair, or null when the pairs disagree. */
export function computeShift(pairs: readonly LinePair[], fileStyleFallback: IndentStyle): IndentShift | null {
  const solid = pairs.filter(([f, s]) => !isBlank(f) && !isBlank(s));
  if (solid.length === 0) return { kind: 'none' };
  const indents = solid.map(([f, s]) => [leadingWhitespace(f), leadingWhitespace(s)] as const);
  if (indents.every(([f, s]) => f === s)) return { kind: 'none' };

  const addPrefix = commonShiftPrefix(indents.map(([f, s]) => [f, s] as const));
  if (addPrefix !== null) return { kind: 'add', prefix: addPrefix };
  const removePrefix = commonShiftPrefix(indents.map(([f, s]) => [s, f] as const));
  if (removePrefix !== null) return { kind: 'remove', prefix: removePrefix };

  const delta = indentWidth(indents[0][0]) - indentWidth(indents[0][1]);
  if (!indents.every(([f, s]) => indentWidth(f) - indentWidth(s) === delta)) return null;
  const known = new Map<string, string>();
  for (const [f, s] of indents) {
    // Two file spellings for one search indentation: no single mapping, fall back to columns.
    if (known.has(s) && known.get(s) !== f) known.set(s, '\u0000');
    else known.set(s, f);
  }
  for (const [s, f] of known) if (f === '\u0000') known.delete(s);
  const style = detectIndentStyle(solid.map(([f]) => f), fileStyleFallback);
  return { kind: 'width', delta, style, known };
}

/** The prefix P with long = P + short for every pair, or null. */
function commonShiftPrefix(pairs: ReadonlyArray<readonly [long: string, short: string]>): string | null {
  let prefix: string | null = null;
  for (const [long, short] of pairs) {
    if (!long.endsWith(short) || long.length <= short.length) return null;
    const p = long.slice(0, long.length - short.length);
    if (prefix === null) prefix = p;
    else if (p !== prefix) return null;
  }
  return prefix;
}

/** Re-indent replacement lines written in the search block's frame into the file's frame. */
export function reindentLines(lines: readonly string[], shift: IndentShift): string[] {
  if (shift.kind === 'none') return [...lines];
  return lines.map((line) => {
    if (isBlank(line)) {
      // A whitespace-only line is left as written, unless it is spelled in the other style (tabs
      // where the file has spaces, or the reverse): then it is written the file's way too.
      if (shift.kind !== 'width' || line === '') return line;
      const known = shift.known.get(line);
      if (known !== undefined) return known;
      const foreign = shift.style === 'spaces' ? line.includes('\t') : line.includes(' '.repeat(TAB_WIDTH));
      return foreign ? renderIndent(indentWidth(line) + shift.delta, shift.style) : line;
    }
    const indent = leadingWhitespace(line);
    const body = line.slice(indent.length);
    switch (shift.kind) {
      case 'add':
        return shift.prefix + line;
      case 'remove':
        if (indent.startsWith(shift.prefix)) return indent.slice(shift.prefix.length) + body;
        return renderIndent(indentWidth(indent) - indentWidth(shift.prefix), detectIndentStyle([indent])) + body;
      case 'width': {
        const mapped = shift.known.get(indent);
        if (mapped !== undefined) return mapped + body;
        return renderIndent(indentWidth(indent) + shift.delta, shift.style) + body;
      }
    }
  });
}
