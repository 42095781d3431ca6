import type { EvalResult } from './result';

/** One task's standing in a result: how many of its attempts passed. */
export type TaskStanding = { passed: number; attempts: number };

export type TaskChange = {
  id: string;
  base: TaskStanding | null;
  next: TaskStanding | null;
};

export type EvalComparison = {
  /** Passed (some attempt) in BASE and passed less often — or not at all, or not run — in NEW. */
  regressions: TaskChange[];
  /** Passed more often in NEW than in BASE (including tasks BASE did not have). */
  improvements: TaskChange[];
  /** In BASE but not run in NEW (also counted as regressions when BASE passed them). */
  missing: string[];
  /** In NEW only. */
  added: string[];
  passRateDelta: number;
  base: { suite: string; model: string; mode: string; passRate: number };
  next: { suite: string; model: string; mode: string; passRate: number };
};

function standings(r: EvalResult): Map<string, TaskStanding> {
  const m = new Map<string, TaskStanding>();
  for (const t of r.tasks) {
    const s = m.get(t.id) ?? { passed: 0, attempts: 0 };
    s.attempts += 1;
    if (t.status === 'passed') s.passed += 1;
    m.set(t.id, s);
  }
  return m;
}

const rate = (s: TaskStanding | null) => (s && s.attempts ? s.passed / s.attempts : 0);

/**
 * Compares two eval results task by task. With one attempt per task a regression is exactly a
 * task that passed in BASE and did not in NEW; with `--repeat`, a task whose share of passing
 * attempts fell.
 */
export function compareEvals(base: EvalResult, next: EvalResult): EvalComparison {
  const b = standings(base);
  const n = standings(next);
  const regressions: TaskChange[] = [];
  const improvements: TaskChange[] = [];
  const missing: string[] = [];
  const added: string[] = [];
  for (const [id, bs] of b) {
    const ns = n.get(id) ?? null;
    if (!ns) missing.push(id);
    if (bs.passed > 0 && rate(ns) < rate(bs)) regressions.push({ id, base: bs, next: ns });
    else if (ns && rate(ns) > rate(bs)) improvements.push({ id, base: bs, next: ns });
  }
  for (const [id, ns] of n) {
    if (b.has(id)) continue;
    added.push(id);
    if (ns.passed > 0) improvements.push({ id, base: null, next: ns });
  }
  const head = (r: EvalResult) => ({ suite: r.suite, model: r.model, mode: r.mode, passRate: r.passRate });
  return { regressions, improvements, missing, added, passRateDelta: Math.round((next.passRate - base.passRate) * 1e6) / 1e6, base: head(base), next: head(next) };
}

const standing = (s: TaskStanding | null) => (s ? `${s.passed}/${s.attempts} passed` : 'not run');
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The comparison as lines a person reads. */
export function describeComparison(c: EvalComparison): string[] {
  const lines = [`base: ${c.base.suite} · ${c.base.model} · ${c.base.mode} · pass rate ${pct(c.base.passRate)}`, `new:  ${c.next.suite} · ${c.next.model} · ${c.next.mode} · pass rate ${pct(c.next.passRate)}`];
  if (c.base.suite !== c.next.suite) lines.push(`note: the results are of different suites ("${c.base.suite}" and "${c.next.suite}")`);
  lines.push(`pass rate ${c.passRateDelta >= 0 ? '+' : '−'}${pct(Math.abs(c.passRateDelta))}`);
  lines.push(c.regressions.length ? `regressions (${c.regressions.length}):` : 'regressions: none');
  for (const r of c.regressions) lines.push(`  - ${r.id}: ${standing(r.base)} → ${standing(r.next)}`);
  lines.push(c.improvements.length ? `improvements (${c.improvements.length}):` : 'improvements: none');
  for (const r of c.improvements) lines.push(`  + ${r.id}: ${standing(r.base)} → ${standing(r.next)}`);
  if (c.missing.length) lines.push(`not run in new: ${c.missing.join(', ')}`);
  if (c.added.length) lines.push(`new tasks: ${c.added.join(', ')}`);
  return lines;
}
