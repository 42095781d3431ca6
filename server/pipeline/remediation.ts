import { COMPLEX_CATEGORIES, type Finding } from './types';

const COMPLEX_HINTS = /\b(another task|other task|out of scope|outside (the )?(task'?s )?scope|missing dependency|depends on .* not (yet )?(merged|landed|available))\b/i;

/**
 * Whether a finding is fixed inside the task (simple) or split into a linked remediation task
 * (complex): by its category when the role gave one, by the files the task may touch, and by what
 * the message says as a last resort.
 */
export function isComplex(finding: Finding, taskFiles: string[]): boolean {
  if (finding.category && COMPLEX_CATEGORIES.has(finding.category)) return true;
  if (finding.category && finding.category !== 'other') return false;
  if (finding.file && taskFiles.length && !taskFiles.some((f) => sameOrInside(finding.file!, f))) return true;
  return COMPLEX_HINTS.test(finding.message);
}

function sameOrInside(file: string, scope: string): boolean {
  const a = file.replace(/^\.\//, '');
  const b = scope.replace(/^\.\//, '').replace(/\/$/, '');
  return a === b || a.startsWith(b + '/');
}

export function splitFindings(findings: Finding[], taskFiles: string[]): { simple: Finding[]; complex: Finding[] } {
  const simple: Finding[] = [];
  const complex: Finding[] = [];
  for (const f of findings) (isComplex(f, taskFiles) ? complex : simple).push(f);
  return { simple, complex };
}

/** The task that fixes complex findings, linked to its origin and planned after it. */
export function remediationTask(origin: { key: string; title: string }, findings: Finding[]) {
  return {
    key: `${origin.key}-fix`,
    title: `Remediate: ${origin.title}`,
    description: [
      `Follow-up of task ${origin.key} (${origin.title}): its QA or review found problems outside that task's scope.`,
      ...findings.map((f) => `- [${f.category ?? 'other'}] ${f.message}${f.file ? ` (${f.file})` : ''}`),
    ].join('\n'),
    files: [...new Set(findings.map((f) => f.file).filter((f): f is string => !!f))],
    dependsOn: [origin.key],
  };
}

/**
 * Remediation tasks do not spawn remediation tasks of their own: a finding that survives one
 * follow-up is reported (open findings in the pull request) rather than chased forever.
 */
export const MAX_REMEDIATION_DEPTH = 1;

/**
 * Which of a finished task's complex findings become a remediation task (`follow`), and which stay
 * in its report because the task is itself a follow-up at the depth cap (`withheld`). The scheduler
 * path and `nightshift run` both decide here.
 */
export function followUpFindings(depth: number, findings: Finding[]): { follow: Finding[]; withheld: Finding[] } {
  return depth >= MAX_REMEDIATION_DEPTH ? { follow: [], withheld: findings } : { follow: findings, withheld: [] };
}
