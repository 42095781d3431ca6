/**
 * How many closing brackets in `lines` close something opened before them (outside the lines).
 * Quoted text is skipped roughly (same-line '…', "…", `…`), which is enough to compare two blocks.
 *
 * @example unmatchedClosers(['}', '}', 'if x {']) // → 2
 */
export function unmatchedClosers(lines: readonly string[]): number {
  let depth = 0;
  let unmatched = 0;
  for (const line of lines) {
    let quote: string | null = null;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = null;
        continue;
      }
      if (ch === '"' || ch === "'" || ch === '`') quote = ch;
      else if (ch === '{' || ch === '(' || ch === '[') depth++;
      else if (ch === '}' || ch === ')' || ch === ']') {
        if (depth > 0) depth--;
        else unmatched++;
      }
    }
  }
  return unmatched;
}
