/**
 * One title per spec: the document's first level-1 heading is the title, and the title field
 * edits that heading. Browser-safe.
 */

/** The first `# Title` of the text outside fenced code, or `fallback` (trimmed) when there is none. */
export function specTitleOf(markdown: string, fallback = ''): string {
  return firstH1(markdown)?.text ?? fallback.trim();
}

/** The document with its first `# ` heading set to `title` (added on top when there is none). */
export function withSpecTitle(markdown: string, title: string): string {
  const clean = title.replace(/[\r\n]+/g, ' ').trim();
  const h1 = firstH1(markdown);
  if (h1) return `${markdown.slice(0, h1.start)}# ${clean}${markdown.slice(h1.end)}`;
  if (!clean) return markdown;
  return markdown.length ? `# ${clean}\n\n${markdown.replace(/^\n+/, '')}` : `# ${clean}\n`;
}

function firstH1(markdown: string): { text: string; start: number; end: number } | undefined {
  let pos = 0;
  let fence = '';
  while (pos <= markdown.length) {
    let end = markdown.indexOf('\n', pos);
    if (end < 0) end = markdown.length;
    const line = markdown.slice(pos, end);
    const t = line.trimStart();
    if (fence) {
      if (t.startsWith(fence)) fence = '';
    } else if (t.startsWith('```') || t.startsWith('~~~')) {
      fence = t.slice(0, 3);
    } else if (line.startsWith('# ') || line === '#') {
      const lineEnd = line.endsWith('\r') ? end - 1 : end;
      return { text: markdown.slice(pos + 1, lineEnd).trim(), start: pos, end: lineEnd };
    }
    if (end >= markdown.length) break;
    pos = end + 1;
  }
  return undefined;
}
