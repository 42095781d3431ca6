/**
 * Line-number prefixes copied from a numbered file view: `    12\t` (cat -n, our read_file),
 * `12 | `, `12: `. A blank numbered line may have lost the space after the separator.
 */
const NUMBER_PREFIX = /^ *(\d+)(?:\t| \| ?| \|$|: ?|:$)/;

/**
 * The lines without their prefixes, or null unless every line carries one and the numbers run
 * consecutively — a looser rule would strip digits that are part of the code.
 */
export function stripLineNumbers(lines: readonly string[]): string[] | null {
  if (lines.length === 0) return null;
  const out: string[] = [];
  let expected: number | null = null;
  for (const line of lines) {
    const m = NUMBER_PREFIX.exec(line);
    if (!m) return null;
    const n = Number(m[1]);
    if (expected !== null && n !== expected) return null;
    expected = n + 1;
    out.push(line.slice(m[0].length));
  }
  return out;
}
