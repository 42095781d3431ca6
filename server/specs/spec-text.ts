import type { SpecLine, SpecSection } from './parse';

/** A list item (or a paragraph line when a section has no list) with the line it starts on. */
export type SpecItem = { line: number; text: string };

const LIST_ITEM_RE = /^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*)$/;
const COMMENT_OPEN = '<!--';
const COMMENT_CLOSE = '-->';

/** Body lines that carry prose: not code, not HTML comments, not blank, not sub-headings. */
export function proseLines(section: SpecSection): SpecLine[] {
  const out: SpecLine[] = [];
  let inComment = false;
  for (const l of section.lines) {
    if (l.inCode) continue;
    let text = l.text;
    if (inComment) {
      const end = text.indexOf(COMMENT_CLOSE);
      if (end < 0) continue;
      inComment = false;
      text = text.slice(end + COMMENT_CLOSE.length);
    }
    // Strip complete comments on the line, then note one left open.
    // Comments and open questions are not content: a marker must not make a section look specific.
    text = text.replace(/<!--.*?-->/g, '').replace(/\[\s*NEEDS CLARIFICATION\b[^\]]*\]/gi, '');
    const open = text.indexOf(COMMENT_OPEN);
    if (open >= 0) {
      inComment = true;
      text = text.slice(0, open);
    }
    if (!text.trim() || /^\s*#{2,6}\s/.test(text) || /^\s*(?:-{3,}|\*{3,})\s*$/.test(text)) continue;
    out.push({ line: l.line, text, inCode: false });
  }
  return out;
}

/** Splits prose into list items (continuation lines join their item); paragraphs count as items when there is no list. */
export function sectionItems(section: SpecSection): SpecItem[] {
  const lines = proseLines(section);
  const items: SpecItem[] = [];
  let sawList = false;
  for (const l of lines) {
    const m = LIST_ITEM_RE.exec(l.text);
    if (m) {
      sawList = true;
      items.push({ line: l.line, text: m[1].trim() });
    } else if (sawList && items.length && /^\s+/.test(l.text)) {
      items[items.length - 1].text += ` ${l.text.trim()}`;
    } else {
      items.push({ line: l.line, text: l.text.trim() });
    }
  }
  return items;
}

export function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** Removes inline code spans so words inside `code` are not judged as prose. */
export function withoutCodeSpans(text: string): string {
  return text.replace(/`[^`]*`/g, ' ');
}

const ANCHOR_RES: readonly RegExp[] = [
  /\d/, // numbers, limits, status codes
  /`[^`]+`/, // code spans: identifiers, commands
  /(?:^|[\s(])[\w.-]+\/[\w./-]+/, // paths
  /\b[\w-]+\.(?:ts|tsx|js|jsx|py|go|rs|java|json|ya?ml|sql|md|css|html)\b/, // file names
  /https?:\/\//,
  /"[^"]{2,}"|“[^”]{2,}”/, // quoted messages, labels
  /\b(?:GET|POST|PUT|PATCH|DELETE)\s+\//, // HTTP routes
];

/** True when text names something checkable: a number, code, a path, a quoted label, a route. */
export function hasConcreteAnchor(text: string): boolean {
  return ANCHOR_RES.some((re) => re.test(text));
}

const PLACEHOLDER_RE = /^(?:tbd|todo|tba|wip|\?+|\.\.\.|…|-+|\[[^\]]*\])\.?$/i;
const EXPLICIT_NONE_RE = /^(?:none|n\/?a|not applicable|no (?:ui|ux|ui changes|user interface|dependencies|new dependencies|contracts)\b|nothing\b)/i;

/** The whole body is a placeholder such as "TBD" or "[describe here]". */
export function isPlaceholder(body: string): boolean {
  const text = body.replace(/^[-*+]\s+/, '').trim();
  return !text || PLACEHOLDER_RE.test(text);
}

/** The body explicitly says the section does not apply ("None", "N/A — CLI only", "No UI changes"). */
export function isExplicitNone(body: string): boolean {
  return EXPLICIT_NONE_RE.test(body.replace(/^[-*+]\s+/, '').replace(/[*_]/g, '').trim());
}
