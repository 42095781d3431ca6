import { SECTION_KEYS, SECTION_LABELS, sectionForHeading, type SectionKey } from './sections';

/** One line of a section body, with its 1-based line number in the whole document. */
export type SpecLine = { line: number; text: string; inCode: boolean };

export type SpecSection = {
  key: SectionKey;
  label: string;
  /** The heading as written (without the #s). */
  heading: string;
  /** 1-based line number of the heading. */
  line: number;
  /** 1-based line number of the last line of the section. */
  endLine: number;
  /** Body lines (after the heading), sub-headings included, fenced code marked. */
  lines: SpecLine[];
  body: string;
};

export type ParsedSpec = {
  /** The first level-1 heading, if any. */
  title?: string;
  titleLine?: number;
  /** Known sections in document order. A section written twice appears twice. */
  sections: SpecSection[];
  /** First occurrence of each known section. */
  byKey: Partial<Record<SectionKey, SpecSection>>;
  /** Headings at level ≥ 2 that are not one of the six sections (kept so editors can show them). */
  otherHeadings: { heading: string; line: number; level: number }[];
  lineCount: number;
};

const HEADING_RE = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const FENCE_RE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Splits spec Markdown into its sections with line numbers. Any heading level ≥ 2 that names a
 * section (case-insensitive, synonyms accepted) opens it; a deeper heading that names no section
 * stays inside the current one (e.g. `### Edge cases` under Acceptance criteria); an unknown
 * heading at the same or a shallower level closes it. Headings inside fenced code are ignored.
 *
 * Pure and browser-safe: the editor calls it on every (debounced) keystroke.
 */
export function parseSpec(markdown: string): ParsedSpec {
  const rawLines = markdown.split(/\r?\n/);
  const sections: SpecSection[] = [];
  const otherHeadings: ParsedSpec['otherHeadings'] = [];
  let title: string | undefined;
  let titleLine: number | undefined;
  let current: (SpecSection & { level: number }) | undefined;
  let fence: string | undefined;

  const close = (endLine: number) => {
    if (!current) return;
    current.endLine = Math.max(current.line, endLine);
    current.body = current.lines.map((l) => l.text).join('\n').trim();
    const { level: _level, ...section } = current;
    sections.push(section);
    current = undefined;
  };

  for (let i = 0; i < rawLines.length; i++) {
    const text = rawLines[i];
    const lineNo = i + 1;
    const fenceMatch = FENCE_RE.exec(text);
    if (fence) {
      if (fenceMatch && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length) fence = undefined;
      current?.lines.push({ line: lineNo, text, inCode: true });
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      current?.lines.push({ line: lineNo, text, inCode: true });
      continue;
    }
    const heading = HEADING_RE.exec(text);
    if (!heading) {
      current?.lines.push({ line: lineNo, text, inCode: false });
      continue;
    }
    const level = heading[1].length;
    const headingText = heading[2];
    if (level === 1) {
      if (title === undefined) {
        title = headingText;
        titleLine = lineNo;
      }
      close(lineNo - 1);
      continue;
    }
    const key = sectionForHeading(headingText);
    if (key) {
      close(lineNo - 1);
      current = { key, label: SECTION_LABELS[key], heading: headingText, line: lineNo, endLine: lineNo, lines: [], body: '', level };
      continue;
    }
    otherHeadings.push({ heading: headingText, line: lineNo, level });
    if (current && level > current.level) current.lines.push({ line: lineNo, text, inCode: false });
    else close(lineNo - 1);
  }
  close(rawLines.length);

  const byKey: ParsedSpec['byKey'] = {};
  for (const section of sections) byKey[section.key] ??= section;
  return { title, titleLine, sections, byKey, otherHeadings, lineCount: rawLines.length };
}

export { SECTION_KEYS, SECTION_LABELS };
export type { SectionKey };
