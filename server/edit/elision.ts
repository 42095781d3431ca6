/**
 * Elision markers: a line standing for "unchanged lines here" — `...`, `…`, or a comment made of
 * dots and a few words (`// ... existing code ...`, `# ...`, `/* ... *\/`, `<!-- ... -->`).
 * Spread syntax (`...args`) and code with dots in it never qualify: the line must be only a marker.
 */
const BARE_MARKER = /^\s*(?:\.\.\.|…)\s*$/;
const COMMENT_MARKER = /^\s*(?:\/\/|#|--|;|\/\*|<!--)\s*(?:\.\.\.|…)[\w\s.,'’()-]*?(?:\*\/|-->)?\s*$/;

export function isElisionMarker(line: string): boolean {
  return BARE_MARKER.test(line) || COMMENT_MARKER.test(line);
}

/** A comment marker (not a bare `...`, which is valid Python and Go text). */
export function isCommentMarker(line: string): boolean {
  return COMMENT_MARKER.test(line);
}

/** Split lines at marker lines. Leading/trailing markers give empty first/last segments. */
export function splitAtMarkers(lines: readonly string[]): string[][] {
  const segments: string[][] = [[]];
  for (const line of lines) {
    if (isElisionMarker(line)) segments.push([]);
    else segments[segments.length - 1].push(line);
  }
  return segments;
}
