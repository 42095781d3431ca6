/** Leading-whitespace helpers: how a line is indented and how to write an indentation back. */

/** How many columns a tab counts for when comparing tab and space indentation. */
export const TAB_WIDTH = 4;

export function leadingWhitespace(line: string): string {
  const m = /^[ \t]*/.exec(line);
  return m ? m[0] : '';
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Width of an indentation string in columns, tabs advancing to the next tab stop. */
export function indentWidth(indent: string): number {
  let w = 0;
  for (const ch of indent) w = ch === '\t' ? (Math.floor(w / TAB_WIDTH) + 1) * TAB_WIDTH : w + 1;
  return w;
}

export type IndentStyle = 'tabs' | 'spaces';

/** The style a set of lines is indented with; `fallback` decides when they say nothing. */
export function detectIndentStyle(lines: readonly string[], fallback: IndentStyle = 'spaces'): IndentStyle {
  let tabs = 0;
  let spaces = 0;
  for (const line of lines) {
    if (line.startsWith('\t')) tabs++;
    else if (line.startsWith(' ') && !isBlank(line)) spaces++;
  }
  if (tabs === spaces) return fallback;
  return tabs > spaces ? 'tabs' : 'spaces';
}

export function renderIndent(width: number, style: IndentStyle): string {
  if (width <= 0) return '';
  if (style === 'spaces') return ' '.repeat(width);
  return '\t'.repeat(Math.floor(width / TAB_WIDTH)) + ' '.repeat(width % TAB_WIDTH);
}
