/**
 * Reads a verification report (the Markdown `report.ts` writes, and a pull request carries) back
 * into what the pull request page shows above it: the status, whether the QA cycle cap was hit,
 * and each acceptance criterion with its mark and evidence — so a criterion without evidence can
 * be warned about however the report is rendered. Parsed as Markdown (remark), not by lines.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import { toString } from 'mdast-util-to-string';
import type { List, ListItem, Root, RootContent } from 'mdast';

export type ReportCriterion = {
  number: number;
  /** The criterion as the spec states it (Markdown). */
  text: string;
  /** ✅ true, ❌ false, ⚪ null (nothing shown either way). */
  met: boolean | null;
  /** Each piece of evidence as Markdown (a line of the report), without "no evidence recorded". */
  evidence: string[];
};

export type ReportSummary = {
  /** `approved`, `failed`, …; null when the text is not a verification report. */
  status: string | null;
  reason: string | null;
  /** The task stopped at the cap of QA cycles without QA and review agreeing. */
  capHit: boolean;
  criteria: ReportCriterion[];
  /** Criteria with no evidence at all. */
  withoutEvidence: number[];
};

const MARKS: Record<string, boolean | null> = { '✅': true, '❌': false, '⚪': null };
/** What the report writes where a criterion has nothing to show. */
const NO_EVIDENCE = /^(?:.*?:\s*(?:met|not met)\s*—\s*)?no (?:recorded )?evidence(?: recorded)?\.?$/i;
const CAP_HIT = /did not converge in \d+ cycles|cap of \d+ QA cycles was hit/i;

function slice(md: string, node: { position?: { start: { offset?: number }; end: { offset?: number } } }): string {
  const p = node.position;
  return p?.start.offset !== undefined && p.end.offset !== undefined ? md.slice(p.start.offset, p.end.offset) : '';
}

function criterionOf(md: string, item: ListItem, index: number, start: number): ReportCriterion {
  const [first, ...rest] = item.children;
  const head = first && first.type === 'paragraph' ? slice(md, first).trim() : '';
  const mark = Object.keys(MARKS).find((m) => head.startsWith(m));
  const text = mark ? head.slice(mark.length).trim() : head;
  const evidence: string[] = [];
  for (const child of rest) {
    if (child.type !== 'list') continue;
    for (const ev of child.children) {
      const line = slice(md, ev).replace(/^[-*+]\s+/, '').trim();
      if (line && !NO_EVIDENCE.test(toString(ev).trim())) evidence.push(line);
    }
  }
  return { number: start + index, text, met: mark ? MARKS[mark] : null, evidence };
}

/** @example summariseReport(pr.body).withoutEvidence // [2, 3] */
export function summariseReport(markdown: string): ReportSummary {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;
  let status: string | null = null;
  let reason: string | null = null;
  let capHit = false;
  const criteria: ReportCriterion[] = [];
  let inCriteria = false;
  for (const node of tree.children as RootContent[]) {
    if (node.type === 'heading') {
      inCriteria = node.depth >= 2 && /^acceptance criteria$/i.test(toString(node).trim());
      continue;
    }
    if (node.type === 'paragraph' && status === null) {
      const m = /^Status:\s*(\S+?)(?:\s+\((.+?)\))?(?:\s+·|$)/m.exec(toString(node));
      if (m) {
        status = m[1];
        reason = m[2] ?? null;
      }
    }
    if (node.type === 'blockquote' && CAP_HIT.test(toString(node))) capHit = true;
    if (inCriteria && node.type === 'list') {
      const list = node as List;
      const start = list.start ?? 1;
      list.children.forEach((item, i) => criteria.push(criterionOf(markdown, item, i, start)));
      inCriteria = false;
    }
  }
  if (reason && CAP_HIT.test(reason)) capHit = true;
  return { status, reason, capHit, criteria, withoutEvidence: criteria.filter((c) => c.evidence.length === 0).map((c) => c.number) };
}
