import type { SpecScore } from './score';

/**
 * The wire shape of a score: what `nightshift spec score` prints and what the editor's Web Worker
 * posts back. One function, so the CLI and the editor cannot drift apart.
 */
export function scoreJson(result: SpecScore) {
  return {
    score: result.score,
    accepted: result.accepted,
    threshold: result.threshold,
    breakdown: result.breakdown.map((b) => ({ concern: b.key, label: b.label, points: b.points, max: b.max, status: b.status, detail: b.detail })),
    deductions: result.deductions.map((d) => ({ kind: d.key, label: d.label, points: d.points, count: d.count })),
    findings: result.findings.map((f) => ({
      section: f.section,
      ...(f.concern ? { concern: f.concern } : {}),
      ...(f.line === undefined ? {} : { line: f.line }),
      severity: f.severity,
      ...(f.code ? { code: f.code } : {}),
      ...(f.blocking ? { blocking: true } : {}),
      message: f.message,
    })),
  };
}
export type ScoreJson = ReturnType<typeof scoreJson>;
