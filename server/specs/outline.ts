import { isAppendixHeading, isMeta, regionForHeading, type Region } from './concerns';

/**
 * One pass over a Markdown-ish document that turns it into blocks (paragraphs, list items,
 * table rows, code blocks) under headings, each block carrying the region its headings say it
 * belongs to. Headings are recognised in the forms people write them: ATX (`## Goals`), setext
 * (`Goals` over `-----`), a bold line (`**Goals**`), a numbered line (`2.1 Goals`), a plain
 * `Goals:` line when it names a known section, and Spec Kit's `**Acceptance Scenarios**:` labels.
 *
 * Linear in the input: every line is looked at a constant number of times; no regular
 * expression runs over user text.
 */

export type HeadingKind = 'atx' | 'setext' | 'bold' | 'numbered' | 'plain' | 'label';
export type Heading = { text: string; line: number; level: number; kind: HeadingKind; region?: Region };

export type BlockKind = 'para' | 'item' | 'row' | 'code';
export type Block = {
  kind: BlockKind;
  /** 1-based line of the block's first line. */
  line: number;
  /** Prose (lines joined with a space) or, for code, the code itself (capped). */
  text: string;
  /** For paragraphs and list items of several lines: 1-based line of each joined line and its offset in `text`, flattened (undefined for one line). */
  lineOffsets: number[] | undefined;
  region: Region;
  /** The innermost heading above the block ("" before the first one). */
  heading: string;
  headingLine: number;
  /** True when that innermost heading says itself what its section holds (not inherited). */
  headingOwn: boolean;
  /** List marker indent (columns); 0 for other blocks. */
  indent: number;
  /** `[ ]`, `[x]`, `[X]`, `[~]`… of a task-list item. */
  checkbox: string | undefined;
  /** Fence info string of a code block (`json`, `gherkin`…). */
  lang: string | undefined;
  codeLines: number | undefined;
  /** Header row of a table. */
  header: boolean | undefined;
};

export type Outline = {
  title?: { text: string; line: number };
  /** Labels of link reference definitions (`[RFC 192]: https://…`), lower-cased. */
  refs: Set<string>;
  headings: Heading[];
  blocks: Block[];
  lineCount: number;
};

/** Text with no heading at all (an issue body, a one-line request) is read as "what to build". */
export const ROOT_REGION: Region = { build: 0.6 };
/** Code kept per block for analysis; longer blocks are measured by their line count. */
const MAX_CODE_CHARS = 4000;
const MAX_HEADING_CHARS = 200;

type OpenItem = { parts: string[]; lines: number[]; line: number; indent: number; contentIndent: number; checkbox: string | undefined; blankAfter: boolean };
type OpenPara = { parts: string[]; lines: number[] };
type Fence = { char: string; len: number; info: string; line: number; buf: string[]; chars: number; count: number };

/**
 * `onBlock`: receives each block as soon as it is complete (then `blocks` stays empty), so a
 * caller that turns blocks into something else does not keep them all.
 */
export function outline(text: string, onBlock?: (b: Block) => void): Outline {
  const headings: Heading[] = [];
  const blocks: Block[] = [];
  let lastBlock: Block | undefined;
  const stack: Heading[] = [];
  let title: Outline['title'];
  let region: Region = ROOT_REGION;
  let headingText = '';
  let headingLine = 0;
  let headingOwn = false;
  let lastRealLevel = 1;
  /** Level of the last ATX or setext heading: numbered sections nest below it. */
  let lastAtxLevel = 1;

  let para: OpenPara | null = null;
  let item: OpenItem | null = null;
  let fence: Fence | null = null;
  let inComment = false;
  let prevBlank = true;
  let tableHeaderPending = false;
  const refs = new Set<string>();

  const recompute = () => {
    region = ROOT_REGION;
    headingText = '';
    headingLine = 0;
    headingOwn = stack.length > 0 && stack[stack.length - 1].region !== undefined;
    for (let k = stack.length - 1; k >= 0; k--) {
      if (!headingText) {
        headingText = stack[k].text;
        headingLine = stack[k].line;
      }
      if (stack[k].region) {
        region = stack[k].region!;
        break;
      }
    }
    // Everything under an imported supporting document stays marked as such.
    if (!region.appendix && stack.some((h) => h.region?.appendix)) region = { ...region, appendix: 1 };
  };

  // Every block has the same fields in the same order (one hidden class: fast to read later).
  const emit = (kind: BlockKind, line: number, body: string, lineOffsets: number[] | undefined, indent: number, checkbox?: string, lang?: string, codeLines?: number) => {
    const b: Block = { kind, line, text: body, lineOffsets, region, heading: headingText, headingLine, headingOwn, indent, checkbox, lang, codeLines, header: undefined };
    if (!onBlock) blocks.push(b);
    // Handed on one block late: a table's separator line marks the row above it as the header.
    else if (lastBlock) onBlock(lastBlock);
    lastBlock = b;
  };
  const flushPara = () => {
    if (!para) return;
    emit('para', para.lines[0], joinParts(para.parts), partOffsets(para.parts, para.lines), 0);
    para = null;
  };
  const flushItem = () => {
    if (!item) return;
    emit('item', item.line, joinParts(item.parts), partOffsets(item.parts, item.lines), item.indent, item.checkbox);
    item = null;
  };
  const flush = () => {
    flushPara();
    flushItem();
  };
  const openHeading = (raw: string, line: number, level: number, kind: HeadingKind) => {
    flush();
    const text = cleanHeading(raw);
    const exact = kind === 'bold' || kind === 'plain' || kind === 'label' || kind === 'numbered';
    let hRegion = regionForHeading(text, exact && kind !== 'label');
    if (kind === 'atx' && isAppendixHeading(text)) hRegion = { ...(hRegion ?? { context: 1 }), appendix: 1 };
    else if (hRegion && !hRegion.appendix && stack.some((x) => x.level < level && x.region?.appendix)) hRegion = { ...hRegion, appendix: 1 };
    const h: Heading = { text, line, level, kind, region: hRegion };
    if (kind === 'atx' || kind === 'setext' || kind === 'numbered') lastRealLevel = level;
    if (kind === 'atx' || kind === 'setext') lastAtxLevel = level;
    headings.push(h);
    if (level === 1 && !title && (kind === 'atx' || kind === 'setext')) title = { text, line };
    while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
    stack.push(h);
    recompute();
  };

  const n = text.length;
  let pos = 0;
  let lineNo = 0;
  // Front matter (`---` … `---` at the very top) is metadata, not content.
  if (text.startsWith('---\n') || text.startsWith('---\r\n')) {
    const end = text.indexOf('\n---', 3);
    if (end > 0 && end < 4000) {
      const after = text.indexOf('\n', end + 4);
      const skipped = text.slice(0, after < 0 ? n : after + 1);
      for (let k = 0; k < skipped.length; k++) if (skipped.charCodeAt(k) === 10) lineNo++;
      pos = after < 0 ? n : after + 1;
    }
  }

  // Where the next `<!--` is, so a line is not searched for one unless it holds it (linear: the
  // search moves forward only).
  let nextComment = text.indexOf('<!--');
  while (pos <= n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const lineStart = pos;
    let lineEnd = end;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    lineNo++;
    const atEnd = end >= n;
    pos = end + 1;

    // Fenced code.
    if (fence) {
      const raw = text.slice(lineStart, lineEnd);
      if (isFenceClose(raw, fence.char, fence.len)) {
        emit('code', fence.line, fence.buf.join('\n'), undefined, 0, undefined, fence.info, fence.count);
        fence = null;
        prevBlank = true;
      } else {
        fence.count++;
        if (fence.chars < MAX_CODE_CHARS) {
          fence.buf.push(raw);
          fence.chars += raw.length + 1;
        }
      }
      if (atEnd) break;
      continue;
    }

    // HTML comments are the author's notes (and most templates' instructions): never content.
    // The line is read in place (text[lineStart, lineEnd)) unless a comment changes it.
    let line: string | undefined;
    if (inComment) {
      line = text.slice(lineStart, lineEnd);
      const close = line.indexOf('-->');
      if (close < 0) {
        if (atEnd) break;
        continue;
      }
      inComment = false;
      line = line.slice(close + 3);
      if (!line.trim()) {
        if (atEnd) break;
        continue;
      }
    }
    if (nextComment >= 0 && nextComment < lineStart) nextComment = text.indexOf('<!--', lineStart);
    if (line !== undefined ? line.includes('<!--') : nextComment >= 0 && nextComment + 4 <= lineEnd) {
      const stripped = stripComments(line ?? text.slice(lineStart, lineEnd));
      line = stripped.text;
      inComment = stripped.open;
      if (!line.trim()) {
        if (atEnd) break;
        continue;
      }
    }

    const src = line ?? text;
    const from = line !== undefined ? 0 : lineStart;
    const to = line !== undefined ? line.length : lineEnd;
    const indent = leadingColumnsAt(src, from, to);
    const trimmed = trimmedSlice(src, from, to);

    if (!trimmed) {
      flushPara();
      if (item) item.blankAfter = true;
      prevBlank = true;
      tableHeaderPending = false;
      if (atEnd) break;
      continue;
    }

    // Fence open.
    // Fences inside list items are indented; a fence at any list depth is still code.
    if (indent <= 12 && (trimmed.startsWith('```') || trimmed.startsWith('~~~'))) {
      const ch = trimmed[0];
      let len = 0;
      while (len < trimmed.length && trimmed[len] === ch) len++;
      if (len >= 3) {
        flush();
        fence = { char: ch, len, info: trimmed.slice(len).trim().split(' ')[0].toLowerCase(), line: lineNo, buf: [], chars: 0, count: 0 };
        if (atEnd) break;
        continue;
      }
    }

    // Setext underline / thematic break.
    if (indent <= 3 && isRuleOf(trimmed, '=')) {
      if (para && para.parts.length <= 2) {
        const headingLineNo = para.lines[0];
        const textOf = para.parts.join(' ');
        para = null;
        openHeading(textOf, headingLineNo, 1, 'setext');
        prevBlank = false;
        if (atEnd) break;
        continue;
      }
    }
    if (indent <= 3 && (isRuleOf(trimmed, '-') || isRuleOf(trimmed, '*') || isRuleOf(trimmed, '_'))) {
      if (trimmed[0] === '-' && para && para.parts.length <= 2 && !item && !isMetadataLine(para.parts[para.parts.length - 1])) {
        const headingLineNo = para.lines[0];
        const textOf = para.parts.join(' ');
        para = null;
        openHeading(textOf, headingLineNo, 2, 'setext');
      } else flush();
      prevBlank = true;
      if (atEnd) break;
      continue;
    }

    // ATX heading.
    if (indent <= 3 && trimmed[0] === '#') {
      let hashes = 0;
      while (hashes < trimmed.length && trimmed[hashes] === '#') hashes++;
      if (hashes <= 6 && (hashes === trimmed.length || trimmed[hashes] === ' ' || trimmed[hashes] === '\t')) {
        let body = trimmed.slice(hashes).trim();
        let k = body.length;
        while (k > 0 && body[k - 1] === '#') k--;
        if (k < body.length && (k === 0 || body[k - 1] === ' ')) body = body.slice(0, k).trim();
        openHeading(body, lineNo, hashes, 'atx');
        prevBlank = false;
        if (atEnd) break;
        continue;
      }
    }

    // Table rows.
    if (trimmed[0] === '|') {
      flush();
      if (isTableSeparator(trimmed)) {
        // The row above was the header: mark it.
        const last = lastBlock;
        if (last && last.kind === 'row' && tableHeaderPending) last.header = true;
        tableHeaderPending = false;
      } else {
        emit('row', lineNo, tableCells(trimmed), undefined, 0);
        tableHeaderPending = prevBlank || tableHeaderPending;
      }
      prevBlank = false;
      if (atEnd) break;
      continue;
    }
    tableHeaderPending = false;

    // Link reference definitions: `[label]: https://…` (not content; their labels are not placeholders).
    if (trimmed[0] === '[' && indent <= 3) {
      const close = trimmed.indexOf(']:');
      if (close > 1 && close < 200 && !trimmed.slice(1, close).includes(']')) {
        refs.add(trimmed.slice(1, close).trim().toLowerCase());
        if (atEnd) break;
        continue;
      }
    }

    // Numbered section headings ("2.1 Goals", "3. Non-Goals") before list parsing.
    const numbered = indent <= 3 ? numberedHeading(trimmed) : undefined;
    // A numbered line whose next line is indented content is a list item ("1. **Performance**"
    // over "   - Goal: 80%"), not a section.
    if (numbered && (!item || item.blankAfter) && !para && !nextLineIndented(text, pos)) {
      openHeading(numbered.text, lineNo, Math.max(numbered.level, lastAtxLevel + 1 + numbered.level - 2), 'numbered');
      prevBlank = false;
      if (atEnd) break;
      continue;
    }

    // List items.
    const marker = listMarkerAt(src, from, to, indent);
    if (marker) {
      flush();
      item = { parts: [marker.rest], lines: [lineNo], line: lineNo, indent, contentIndent: marker.contentIndent, checkbox: marker.checkbox, blankAfter: false };
      prevBlank = false;
      if (atEnd) break;
      continue;
    }

    // Bold lines, `Label:` lines and known plain headings.
    if (!para && (!item || item.blankAfter) && indent <= 3) {
      const bold = boldLine(trimmed);
      if (bold) {
        flushItem();
        const level = Math.min(lastRealLevel + 1, 7);
        openHeading(bold.text, lineNo, bold.label ? Math.min(lastRealLevel + 2, 8) : level, bold.label ? 'label' : 'bold');
        prevBlank = false;
        if (atEnd) break;
        continue;
      }
      if (prevBlank && trimmed.length <= 60 && isPlainHeadingCandidate(trimmed) && !nextIsSetextUnderline(text, pos)) {
        const candidate = trimmed.endsWith(':') ? trimmed.slice(0, -1) : trimmed;
        if (regionForHeading(candidate, true)) {
          flushItem();
          openHeading(candidate, lineNo, Math.min(lastRealLevel + 1, 7), 'plain');
          prevBlank = false;
          if (atEnd) break;
          continue;
        }
      }
    }

    // Continuation of a list item, or paragraph text.
    if (item && (!item.blankAfter || indent >= item.contentIndent)) {
      item.parts.push(trimmed);
      item.lines.push(lineNo);
      item.blankAfter = false;
    } else {
      flushItem();
      if (!para) para = { parts: [], lines: [] };
      para.parts.push(trimmed);
      para.lines.push(lineNo);
    }
    prevBlank = false;
    if (atEnd) break;
  }
  if (fence) emit('code', fence.line, fence.buf.join('\n'), undefined, 0, undefined, fence.info, fence.count);
  flush();
  if (onBlock && lastBlock) onBlock(lastBlock);
  return { ...(title ? { title } : {}), refs, headings, blocks, lineCount: lineNo };
}

/** The lines of a paragraph or list item joined with a space (one flat string, no chain of concatenations). */
function joinParts(parts: string[]): string {
  return parts.length === 1 ? parts[0] : parts.join(' ');
}

/** [line, offset in the joined text] of each part, flattened; undefined for one line (its offset is 0 on the block's line). */
function partOffsets(parts: string[], lines: number[]): number[] | undefined {
  if (parts.length === 1) return undefined;
  const offsets: number[] = [];
  let at = 0;
  for (let k = 0; k < parts.length; k++) {
    offsets.push(lines[k], at);
    at += parts[k].length + 1;
  }
  return offsets;
}

/** True when the outline's effective region at a block is a table of contents or a sign-off list. */
export function isMetaBlock(b: Block): boolean {
  return isMeta(b.region);
}

function cleanHeading(raw: string): string {
  let s = raw.length > MAX_HEADING_CHARS ? raw.slice(0, MAX_HEADING_CHARS) : raw;
  s = s.trim();
  // Strip wrapping emphasis: **Goals**, __Goals__, *Goals*.
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === '*' || s[a] === '_')) a++;
  while (b > a && (s[b - 1] === '*' || s[b - 1] === '_' || s[b - 1] === ':')) b--;
  return s.slice(a, b).trim();
}

function stripComments(line: string): { text: string; open: boolean } {
  let out = '';
  let i = 0;
  for (;;) {
    const open = line.indexOf('<!--', i);
    if (open < 0) return { text: out + line.slice(i), open: false };
    out += line.slice(i, open);
    const close = line.indexOf('-->', open + 4);
    if (close < 0) return { text: out, open: true };
    i = close + 3;
  }
}

/** src[from, to).trim(), sliced once: ASCII whitespace is trimmed here; other characters at either end go to String#trim. */
function trimmedSlice(src: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b) {
    const c = src.charCodeAt(a);
    if (c === 32 || (c >= 9 && c <= 13)) a++;
    else break;
  }
  while (b > a) {
    const c = src.charCodeAt(b - 1);
    if (c === 32 || (c >= 9 && c <= 13)) b--;
    else break;
  }
  if (a < b && (src.charCodeAt(a) >= 128 || src.charCodeAt(b - 1) >= 128)) return src.slice(a, b).trim();
  return src.slice(a, b);
}

/** leadingColumns of the line src[from, to). */
function leadingColumnsAt(src: string, from: number, to: number): number {
  let cols = 0;
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 32) cols++;
    else if (c === 9) cols += 4 - (cols % 4);
    else break;
  }
  return cols;
}

function leadingColumns(line: string): number {
  let cols = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ') cols++;
    else if (c === '\t') cols += 4 - (cols % 4);
    else break;
  }
  return cols;
}

function isFenceClose(raw: string, ch: string, len: number): boolean {
  const t = raw.trim();
  if (t.length < len || leadingColumns(raw) > 12) return false;
  for (let i = 0; i < t.length; i++) if (t[i] !== ch) return false;
  return true;
}

/** `---`, `***`, `===` (spaces allowed between, at least three marks; two for `=`). */
function isRuleOf(t: string, ch: string): boolean {
  let count = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === ch) count++;
    else if (t[i] !== ' ' && t[i] !== '\t') return false;
  }
  return ch === '=' ? count >= 2 : count >= 3;
}

function isTableSeparator(t: string): boolean {
  let dashes = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '-') dashes++;
    else if (c !== '|' && c !== ':' && c !== ' ' && c !== '\t') return false;
  }
  return dashes >= 1;
}

function tableCells(t: string): string {
  const cells: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '`') inCode = !inCode;
    if (c === '\\' && t[i + 1] === '|') {
      cur += '|';
      i++;
      continue;
    }
    if (c === '|' && !inCode) {
      if (cur.trim()) cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) cells.push(cur.trim());
  return cells.join(' — ');
}

type Marker = { rest: string; contentIndent: number; checkbox?: string };

/** `- x`, `* x`, `+ x`, `1. x`, `1) x`, with an optional task checkbox `[ ]`/`[x]`/`[~]`. */
export function listMarker(line: string, indent: number): Marker | undefined {
  return listMarkerAt(line, 0, line.length, indent);
}

/** listMarker of the line src[from, to). */
function listMarkerAt(src: string, from: number, to: number, indent: number): Marker | undefined {
  let i = from;
  while (i < to && (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9)) i++;
  const c = i < to ? src.charCodeAt(i) : -1;
  let after: number;
  // - * + •
  if (c === 45 || c === 42 || c === 43 || c === 0x2022) after = i + 1;
  else {
    let j = i;
    while (j < to && j - i < 9 && src.charCodeAt(j) >= 48 && src.charCodeAt(j) <= 57) j++;
    const d = j < to ? src.charCodeAt(j) : -1;
    if (j === i || (d !== 46 && d !== 41)) return undefined;
    after = j + 1;
  }
  if (after < to && src.charCodeAt(after) !== 32 && src.charCodeAt(after) !== 9) return undefined;
  let k = after;
  while (k < to && (src.charCodeAt(k) === 32 || src.charCodeAt(k) === 9)) k++;
  if (k >= to) return { rest: '', contentIndent: indent + (after - i) + 1 };
  let rest = src.slice(k, to);
  let checkbox: string | undefined;
  if (rest.length >= 3 && rest[0] === '[' && rest[2] === ']' && (rest.length === 3 || rest[3] === ' ' || rest[3] === '\t')) {
    checkbox = rest[1];
    rest = rest.slice(3).trim();
  }
  return checkbox !== undefined ? { rest: rest.trim(), contentIndent: indent + (k - i), checkbox } : { rest: rest.trim(), contentIndent: indent + (k - i) };
}

/**
 * A line that is one bold span: `**Goals**`, `__Goals__`, `**Goals:**` → a bold heading;
 * `**Acceptance Scenarios**:` → a label heading for the list that follows.
 */
function boldLine(t: string): { text: string; label: boolean } | undefined {
  if (t.length < 5 || t.length > 120) return undefined;
  const d = t.startsWith('**') ? '**' : t.startsWith('__') ? '__' : '';
  if (!d) return undefined;
  const close = t.indexOf(d, 2);
  if (close < 3) return undefined;
  const tail = t.slice(close + 2).trim();
  if (tail !== '' && tail !== ':') return undefined;
  const inner = t.slice(2, close).trim();
  if (!inner || inner.includes(d)) return undefined;
  return { text: inner, label: tail === ':' || (inner.endsWith(':') && inner.length < 60) };
}

/** "2.1 Goals", "3. Non-Goals", "IV. Requirements": numbering then a short title. */
function numberedHeading(t: string): { text: string; level: number } | undefined {
  if (t.length > 80) return undefined;
  let i = 0;
  let dots = 0;
  let digits = 0;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (t[i] === '.' && digits > 0) dots++;
    else break;
    i++;
  }
  if (digits === 0 || i >= t.length || (t[i] !== ' ' && t[i] !== ')')) return undefined;
  if (t[i] === ')') i++;
  const text = t.slice(i).trim();
  if (!text || text.endsWith('.') || text.endsWith(',') || text.endsWith(';')) return undefined;
  const innerDots = t.slice(0, i).endsWith('.') ? dots - 1 : dots;
  const words = text.split(' ').length;
  const clean = text.endsWith(':') ? text.slice(0, -1) : text;
  if (regionForHeading(clean, true)) return { text: clean, level: 2 + Math.max(0, innerDots) };
  // "2.1 Rate limiting rules": multi-level numbering is a section number, not a list.
  if (innerDots >= 1 && words <= 8 && isTitleLike(text)) return { text: clean, level: 2 + innerDots };
  return undefined;
}

/** "**Feature**: 005-speck-skill", "Status: Draft": a metadata line, which a following `---` separates rather than underlines. */
function isMetadataLine(t: string): boolean {
  if (t.startsWith('**') || t.startsWith('__')) return true;
  const colon = t.indexOf(':');
  return colon > 0 && colon < 40;
}

function nextLineIndented(text: string, from: number): boolean {
  let p = from;
  while (p < text.length) {
    let end = text.indexOf('\n', p);
    if (end < 0) end = text.length;
    const line = text.slice(p, Math.min(end, p + 200));
    if (line.trim()) return leadingColumns(line) >= 2;
    p = end + 1;
  }
  return false;
}

function nextIsSetextUnderline(text: string, from: number): boolean {
  if (from >= text.length) return false;
  let end = text.indexOf('\n', from);
  if (end < 0) end = text.length;
  const t = text.slice(from, Math.min(end, from + 200)).trim();
  return t.length >= 2 && (isRuleOf(t, '=') || isRuleOf(t, '-'));
}

function isTitleLike(text: string): boolean {
  const c = text.charCodeAt(0);
  return c >= 65 && c <= 90 && !text.includes('. ');
}

function isPlainHeadingCandidate(t: string): boolean {
  if (t.endsWith('.') || t.endsWith(',') || t.endsWith(';')) return false;
  const words = t.split(' ').length;
  return words <= 6;
}
