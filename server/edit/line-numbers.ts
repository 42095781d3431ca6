/**
 * Line-number prefixes copied from a numbered file view: `    12\t` (cat -n, our read_file),
 * `12 | `, `12: `. A blank numbered line may have lost the space after the separator.
 */
const NUMBER_PREFIX = /^ *(\d+)(\t| \| ?| \|$|: ?|:$)/;

/** How a numbered quote was numbered: its first number and its separator (tab, bar or colon). */
export type Numbering = { first: number; separator: 'tab' | 'bar' | 'colon' };

function separatorOf(s: string): Numbering['separator'] {
  return s === '\t' ? 'tab' : s.includes('|') ? 'bar' : 'colon';
}

/**
 * The lines without their prefixes, or null unless every line carries one and the numbers run
 * consecutively — a looser rule would strip digits that are part of the code. With `like`, the
 * lines must also be numbered like that quote (same separator, same first number): a replacement
 * is only stripped when it was copied from the same numbered view as its search, so code such as
 * `    422: ("unprocessable",),` in a replacement is never taken for a line number.
 */
export function numberedLines(lines: readonly string[], like?: Numbering): { lines: string[]; numbering: Numbering } | null {
  if (lines.length === 0) return null;
  const out: string[] = [];
  let expected: number | null = null;
  let numbering: Numbering | null = null;
  for (const line of lines) {
    const m = NUMBER_PREFIX.exec(line);
    if (!m) return null;
    const n = Number(m[1]);
    const separator = separatorOf(m[2]);
    if (expected !== null && n !== expected) return null;
    if (numbering && separator !== numbering.separator) return null;
    numbering ??= { first: n, separator };
    expected = n + 1;
    out.push(line.slice(m[0].length));
  }
  if (like && (numbering!.first !== like.first || numbering!.separator !== like.separator)) return null;
  return { lines: out, numbering: numbering! };
}
