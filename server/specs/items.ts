import { regionForHeading, isMeta, type Region } from './concerns';
import { ABBREVIATIONS, META_LABELS } from './lexicon';
import type { Block, Outline } from './outline';
import { analyzeItem, type ItemSignals } from './signals';

const EMPTY_SIGNALS: ItemSignals = analyzeItem('');

/**
 * The items of a document — sentences of paragraphs, list items (a multi-line Given/When/Then
 * kept whole), table rows, code blocks — each with its region and its signals.
 */
export type ItemKind = 'sentence' | 'item' | 'row' | 'code';
export type SpecItem = {
  kind: ItemKind;
  line: number;
  /** The item as written (label included), for quoting in findings. */
  text: string;
  region: Region;
  heading: string;
  headingLine: number;
  headingOwn: boolean;
  label: string | undefined;
  checkbox: string | undefined;
  lang: string | undefined;
  codeLines: number | undefined;
  /** Line of each part of a multi-line item and its offset in `text`, flattened: [line, offset, …]. */
  lineOffsets: number[] | undefined;
  sig: ItemSignals;
  /** Cached by the scorer: concreteness and dedupe hash. */
  c: number | undefined;
  key: number | undefined;
  /** The text the signals are read from (label removed); dropped once read. */
  analyzeText: string | undefined;
};

/** Items share one shape (one hidden class), whatever their kind. */
function makeItem(kind: ItemKind, b: Block, line: number, text: string, lineOffsets: number[] | undefined, checkbox: string | undefined, region: Region = b.region): SpecItem {
  return { kind, line, text, region, heading: b.heading, headingLine: b.headingLine, headingOwn: b.headingOwn, label: undefined, checkbox, lang: undefined, codeLines: undefined, lineOffsets, sig: EMPTY_SIGNALS, c: undefined, key: undefined, analyzeText: undefined };
}

/** The line on which `offset` of the item's text lies. */
export function lineOfOffset(item: SpecItem, offset: number): number {
  const o = item.lineOffsets;
  if (!o || offset <= 0) return item.line;
  let line = item.line;
  for (let k = 0; k < o.length; k += 2) {
    if (o[k + 1] <= offset) line = o[k];
    else break;
  }
  return line;
}

/** Clarification markers found in regions that are otherwise not scored (checklists, tables of contents). */
export type MetaMarker = { line: number; text: string };

const MAX_SENTENCE_SCAN = 2_000_000;

export function collectItems(o: Outline): { items: SpecItem[]; metaMarkers: MetaMarker[] } {
  const collector = new ItemCollector();
  for (let bi = 0; bi < o.blocks.length; bi++) collector.add(o.blocks[bi]);
  return collector.finish(o.refs);
}

/**
 * Turns blocks into items as the outline emits them (`outline(text, (b) => collector.add(b))`),
 * so no block outlives its items being made. The items' signals are read in `finish`, once the
 * whole document's link reference definitions are known.
 */
export class ItemCollector {
  private items: SpecItem[] = [];
  private metaMarkers: MetaMarker[] = [];
  private pending: SpecItem[] = [];

  /** Ends the run of items a Given/When/Then can continue (at a code block). */
  private flush(): void {
    const pending = this.pending;
    for (let k = 0; k < pending.length; k++) this.items.push(pending[k]);
    this.pending = [];
  }

  private push(item: SpecItem): void {
    const labelled = splitLabel(item.text);
    let analyzeText = item.text;
    if (labelled && META_LABELS.has(metaKey(labelled.label))) {
      // "**Priority**: P1", "**Status**: Draft": metadata, not content.
      if (item.text.includes('NEEDS CLARIFICATION')) for (const c of analyzeItem(item.text).clarifications) this.metaMarkers.push({ line: item.line, text: c });
      return;
    }
    if (labelled) {
      item.label = labelled.label;
      analyzeText = labelled.rest;
      const r = labelRegion(labelled.label);
      // The label says which concern; the appendix mark of an imported document stays.
      if (r) item.region = item.region.appendix ? { ...r, appendix: 1 } : r;
    }
    // A "When …"/"Then …"/"And …" line continues the scenario above it (Given/When/Then written
    // over several list items or lines).
    const pending = this.pending;
    const prev = pending[pending.length - 1];
    if (prev && prev.kind !== 'code' && item.kind !== 'code' && prev.heading === item.heading && item.line - prev.line <= 8 && continuesScenario(analyzeText) && opensScenario(prev.analyzeText ?? prev.text)) {
      const shift = prev.text.length + 1;
      prev.lineOffsets = [...(prev.lineOffsets ?? [prev.line, 0]), ...(item.lineOffsets ?? [item.line, 0]).map((v, k) => (k % 2 === 1 ? v + shift : v))];
      prev.text += ` ${item.text}`;
      prev.analyzeText = `${prev.analyzeText ?? prev.text} ${analyzeText}`;
      return;
    }
    item.analyzeText = analyzeText;
    pending.push(item);
  }

  add(b: Block): void {
    if (isMeta(b.region)) {
      if (b.kind !== 'code') collectMetaMarkers(b, this.metaMarkers);
      return;
    }
    if (b.kind === 'code') {
      this.flush();
      if (b.lang === 'gherkin' || b.lang === 'feature' || b.lang === 'cucumber') {
        for (const scenario of gherkinScenarios(b)) {
          const item = makeItem('item', b, scenario.line, scenario.text, undefined, undefined, { ...b.region, acceptance: 1 });
          item.analyzeText = scenario.text;
          this.pending.push(item);
        }
        this.flush();
        return;
      }
      const code = makeItem('code', b, b.line, b.text, undefined, undefined);
      code.lang = b.lang;
      code.codeLines = b.codeLines ?? 0;
      this.items.push(code);
      return;
    }
    if (b.kind === 'para') {
      const list = sentences(b);
      for (let k = 0; k < list.length; k++) this.push(makeItem('sentence', b, list[k].line, list[k].text, list[k].lineOffsets, undefined));
      return;
    }
    if (b.kind === 'row') {
      if (b.header) return;
      this.push(makeItem('row', b, b.line, b.text, undefined, undefined));
      return;
    }
    this.push(makeItem('item', b, b.line, b.text, b.lineOffsets, b.checkbox));
  }

  /** The items, each with its signals (`refs`: the document's link reference labels). */
  finish(refs: ReadonlySet<string>): { items: SpecItem[]; metaMarkers: MetaMarker[] } {
    this.flush();
    const items = this.items;
    for (let k = 0; k < items.length; k++) {
      const p = items[k];
      if (p.kind === 'code') continue;
      p.sig = analyzeItem(p.analyzeText ?? p.text, refs);
      p.analyzeText = undefined;
    }
    return { items, metaMarkers: this.metaMarkers };
  }
}

function collectMetaMarkers(b: Block, out: MetaMarker[]): void {
  const i = b.text.indexOf('NEEDS CLARIFICATION');
  if (i < 0) return;
  const sig = analyzeItem(b.text);
  for (const c of sig.clarifications) out.push({ line: b.line, text: c });
}

/**
 * `**Independent Test**: …`, `**FR-001**: …`, `Expected: …`, `- **Worktree**: …`: a short label
 * before a colon. The label can say which concern the item serves.
 */
export function splitLabel(text: string): { label: string; rest: string } | undefined {
  if (text.length < 4) return undefined;
  let label: string | undefined;
  let restStart = 0;
  if (text.startsWith('**') || text.startsWith('__')) {
    const d = text.slice(0, 2);
    const close = text.indexOf(d, 2);
    if (close < 3 || close > 80) return undefined;
    let inner = text.slice(2, close).trim();
    let after = close + 2;
    if (inner.endsWith(':')) inner = inner.slice(0, -1).trim();
    else {
      while (after < text.length && text[after] === ' ') after++;
      if (text[after] !== ':' && text[after] !== '—' && text[after] !== '-') return undefined;
      after++;
    }
    label = inner;
    restStart = after;
  } else {
    const colon = text.indexOf(':');
    if (colon < 2 || colon > 40) return undefined;
    const candidate = text.slice(0, colon).trim();
    if (countSpaces(candidate) > 3) return undefined;
    const c = candidate.charCodeAt(0);
    if (!(c >= 65 && c <= 90)) return undefined;
    if (text[colon + 1] !== ' ') return undefined;
    label = candidate;
    restStart = colon + 1;
  }
  if (!label || countSpaces(label) > 5) return undefined;
  // "None: this is a library function…" answers the section; it is not a label.
  const l = label.toLowerCase();
  if (l === 'none' || l === 'n/a' || l === 'na' || l === 'no' || l === 'not applicable') return undefined;
  const rest = text.slice(restStart).trim();
  return { label, rest };
}

function countSpaces(t: string): number {
  let spaces = 0;
  for (let i = t.indexOf(' '); i >= 0; i = t.indexOf(' ', i + 1)) spaces++;
  return spaces;
}

/** A label as a META_LABELS key: lower case, spaces as "_". */
function metaKey(label: string): string {
  const key = label.toLowerCase();
  return key.includes(' ') ? key.split(' ').join('_') : key;
}

/** FR-001 → what to build; SC-001 → acceptance; NFR-1 → acceptance; other labels by heading words. */
function labelRegion(label: string): Region | undefined {
  const id = idPrefix(label);
  if (id) {
    switch (id) {
      case 'FR':
      case 'REQ':
      case 'R':
      case 'F':
      case 'UC':
      case 'US':
      case 'STORY':
        return { build: 1 };
      case 'SC':
      case 'AC':
      case 'KPI':
      case 'M':
        return { acceptance: 1 };
      case 'NFR':
      case 'QR':
      case 'PR':
        return { acceptance: 0.8, build: 0.5 };
      case 'TC':
      case 'T':
        return { tests: 1 };
      case 'Q':
      case 'OQ':
        return { questions: 1 };
      case 'D':
      case 'ADR':
        return { context: 1 };
      default:
        return undefined;
    }
  }
  const r = regionForHeading(label);
  return r && !isMeta(r) ? r : undefined;
}

function idPrefix(label: string): string | undefined {
  let i = 0;
  while (i < label.length && label.charCodeAt(i) >= 65 && label.charCodeAt(i) <= 90) i++;
  if (i === 0 || i > 5) return undefined;
  let j = i;
  if (label[j] === '-' || label[j] === '_' || label[j] === ' ') j++;
  let digits = 0;
  while (j < label.length && label.charCodeAt(j) >= 48 && label.charCodeAt(j) <= 57) {
    j++;
    digits++;
  }
  if (digits === 0) return undefined;
  return label.slice(0, i);
}

function firstWord(text: string): string {
  let a = 0;
  while (a < text.length && (text[a] === '*' || text[a] === '_' || text[a] === ' ' || text[a] === '-')) a++;
  let b = a;
  while (b < text.length && b - a < 12 && text[b] !== ' ' && text[b] !== '*' && text[b] !== '_' && text[b] !== ',' && text[b] !== ':') b++;
  return text.slice(a, b).toLowerCase();
}

function continuesScenario(text: string): boolean {
  // firstWord(text) is when/then/and/but, compared in place (ASCII case folded: no other character
  // lower-cases into these letters), so no string is made per item.
  let a = 0;
  while (a < text.length && (text[a] === '*' || text[a] === '_' || text[a] === ' ' || text[a] === '-')) a++;
  let b = a;
  while (b < text.length && b - a < 12 && text[b] !== ' ' && text[b] !== '*' && text[b] !== '_' && text[b] !== ',' && text[b] !== ':') b++;
  const len = b - a;
  if (len === 4) return foldedAt(text, a, 'when') || foldedAt(text, a, 'then');
  if (len === 3) return foldedAt(text, a, 'and') || foldedAt(text, a, 'but');
  return false;
}

/** Does text at `at` read `word` (lower-case ASCII) with ASCII letters compared case-insensitively? */
function foldedAt(text: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

function opensScenario(text: string): boolean {
  const w = firstWord(text);
  if (w === 'given' || w === 'when' || w === 'scenario' || w === 'and' || w === 'then') return true;
  const lower = text.length > 400 ? text.slice(0, 400).toLowerCase() : text.toLowerCase();
  return lower.includes('given') && !lower.includes(' then ');
}

/** Scenarios of a Gherkin block: each `Scenario:` with its steps. */
function gherkinScenarios(b: Block): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let current: { line: number; parts: string[] } | null = null;
  const lines = b.text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const t = lines[k].trim();
    const lower = t.toLowerCase();
    if (lower.startsWith('scenario') || lower.startsWith('example:')) {
      if (current) out.push({ line: current.line, text: current.parts.join(' ') });
      current = { line: b.line + 1 + k, parts: [t] };
    } else if (current && t) current.parts.push(t);
    else if (!current && (lower.startsWith('given') || lower.startsWith('when'))) current = { line: b.line + 1 + k, parts: [t] };
  }
  if (current) out.push({ line: current.line, text: current.parts.join(' ') });
  return out;
}

/** Splits a paragraph into sentences, each with the line it starts on. */
export function sentences(b: Block): Array<{ line: number; text: string; lineOffsets: number[] | undefined }> {
  const text = b.text;
  const out: Array<{ line: number; text: string; lineOffsets: number[] | undefined }> = [];
  const sliceOffsets = (from: number, to: number): number[] | undefined => {
    const o = b.lineOffsets;
    if (!o || o.length <= 2) return undefined;
    const res: number[] = [];
    for (let k = 0; k < o.length; k += 2) {
      if (o[k + 1] >= to) break;
      if (o[k + 2 + 1] !== undefined && o[k + 2 + 1] <= from) continue;
      res.push(o[k], Math.max(0, o[k + 1] - from));
    }
    return res.length > 2 ? res : undefined;
  };
  const offsets = b.lineOffsets ?? [b.line, 0];
  let start = 0;
  let offIdx = 0;
  const lineAt = (pos: number): number => {
    while (offIdx + 2 < offsets.length && offsets[offIdx + 3] <= pos) offIdx += 2;
    return offsets[offIdx];
  };
  const n = Math.min(text.length, MAX_SENTENCE_SCAN);
  let inCode = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // `
    if (c === 96) {
      inCode = !inCode;
      continue;
    }
    if (inCode) continue;
    // . ! ? then a space
    if ((c === 46 || c === 33 || c === 63) && text.charCodeAt(i + 1) === 32 && i + 2 < n) {
      const code = text.charCodeAt(i + 2);
      // A capital, a digit, " ` * “ ( [
      const upperish = (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 34 || code === 96 || code === 42 || code === 0x201c || code === 40 || code === 91;
      if (!upperish) continue;
      if (c === 46 && isAbbreviation(text, i)) continue;
      const piece = text.slice(start, i + 1).trim();
      if (piece) out.push({ line: lineAt(start), text: piece, lineOffsets: sliceOffsets(start, i + 1) });
      start = i + 2;
    }
  }
  const tail = text.slice(start, text.length).trim();
  if (tail) out.push({ line: lineAt(start), text: tail, lineOffsets: sliceOffsets(start, text.length) });
  return out;
}

function isAbbreviation(text: string, dot: number): boolean {
  let a = dot;
  while (a > 0 && text[a - 1] !== ' ' && text[a - 1] !== '(') a--;
  const word = text.slice(a, dot).toLowerCase();
  if (word.length === 1) return true; // an initial: "J. Smith", "a. b."
  return ABBREVIATIONS.has(word);
}
