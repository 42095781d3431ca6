import { createHash } from 'node:crypto';
import type { RsiExample } from '../db/schema';
import { clusterFor, messageSignature } from '../viability/clusters';
import type { MiningFacts, Observation, ObservationKind } from './types';

/**
 * The reporter's first stage: deterministic mining. Facts from recent runs are grouped by cause —
 * the detector that fired, the error a task failed with, a tool's error, a QA/reviewer finding, an
 * eval task that keeps failing, runs that cost far more than the rest, work sent back as
 * remediation — and free text within a cause is clustered by its content words (the same
 * signatures viability uses for findings). A cause seen in fewer than {@link MIN_OBSERVATION_RUNS}
 * distinct runs is not an observation: one bad run is an incident, two are a pattern.
 */

export const MIN_OBSERVATION_RUNS = 2;
/** A run costing more than this many times the window's median is an outlier… */
export const COST_OUTLIER_FACTOR = 3;
/** …when the window has at least this many runs with a cost to take a median of. */
export const COST_OUTLIER_MIN_RUNS = 4;
/** Observations kept per report, most failing runs first. */
export const MAX_OBSERVATIONS = 50;
/** Characters of an example kept (a whole tool output or test log is on the run's page). */
export const EXAMPLE_CHARS = 400;
/** Characters of a signature in an observation key. */
const KEY_SIGNATURE_CHARS = 120;

const FAILED_TASK = new Set(['failed', 'dead']);

/** The first line that says something, without ids, clipped. */
export function firstLine(text: string, max = 200): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return clip(line, max);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The line of a test log or error that names the failure, else the first line. */
export function tellingLine(text: string, max = 200): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.find((l) => /^not ok\b|assert|Error\b|error:|expected|FAIL|✗|✖/i.test(l) && !/^#/.test(l));
  return clip(telling ?? lines[0] ?? '', max);
}

/** A signature of free text: content words of its telling line (ids, paths, numbers, quotes dropped). */
function signatureOf(text: string): string {
  const sig = messageSignature(text.replace(/\b[0-9a-f]{8}-[0-9a-f-]{27,}\b/gi, ' ').replace(/\b\d+\b/g, ' '));
  return sig || 'no-words';
}

type Group = {
  key: string;
  kind: ObservationKind;
  pattern: (count: number, failed: number) => string;
  runs: Set<string>;
  example: RsiExample | null;
  exampleFromFailedRun: boolean;
  details: Record<string, unknown>;
};

/**
 * Clusters facts into observations, most failing runs first.
 * @example mineObservations(await loadMiningFacts(db, { orgId, since, until }))
 */
export function mineObservations(facts: MiningFacts, opts: { minRuns?: number } = {}): Observation[] {
  const minRuns = opts.minRuns ?? MIN_OBSERVATION_RUNS;
  const failedRuns = new Set<string>();
  for (const r of facts.runs) if (r.status === 'failed') failedRuns.add(r.runId);
  for (const t of facts.tasks) if (FAILED_TASK.has(t.status)) failedRuns.add(t.runId);
  for (const e of facts.evalFailures) failedRuns.add(e.runId);
  const known = new Set(facts.runs.map((r) => r.runId));

  const groups = new Map<string, Group>();
  // Signatures seen per cause, so a rephrased message joins the cluster it resembles.
  const signatures = new Map<string, string[]>();

  const add = (
    cause: string,
    kind: ObservationKind,
    text: string | null,
    fact: { runId: string; taskId?: string | null; example: string },
    pattern: (count: number, failed: number) => string,
    details: Record<string, unknown> = {},
  ) => {
    if (!known.has(fact.runId)) return;
    let key = cause;
    if (text !== null) {
      const seen = signatures.get(cause) ?? [];
      const sig = clusterFor(signatureOf(text), seen);
      if (!seen.includes(sig)) seen.push(sig);
      signatures.set(cause, seen);
      key = `${cause}:${keySignature(sig)}`;
    }
    let g = groups.get(key);
    if (!g) {
      g = { key, kind, pattern, runs: new Set(), example: null, exampleFromFailedRun: false, details };
      groups.set(key, g);
    }
    g.runs.add(fact.runId);
    const failed = failedRuns.has(fact.runId);
    if (!g.example || (failed && !g.exampleFromFailedRun)) {
      g.example = { runId: fact.runId, taskId: fact.taskId ?? null, text: clip(fact.example, EXAMPLE_CHARS) };
      g.exampleFromFailedRun = failed;
    }
  };

  const runsText = (count: number, failed: number) => `${count} run${count === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`;

  // ---- detectors (drift apart: it says the agent wandered off its task) ----
  for (const n of facts.nudges) {
    const role = n.role || 'agent';
    if (n.detector === 'drift') {
      add(`drift:${role}`, 'drift', null, { runId: n.runId, taskId: n.taskId, example: n.message }, (c, f) => `The ${role} drifted away from its task (drift detector) in ${runsText(c, f)}`, { detector: 'drift', role });
    } else {
      add(`detector:${n.detector}:${role}`, 'detector', null, { runId: n.runId, taskId: n.taskId, example: n.message }, (c, f) => `The ${n.detector} detector fired for the ${role} in ${runsText(c, f)}`, {
        detector: n.detector,
        role,
      });
    }
  }

  // ---- why tasks (or runs without a failed task) failed ----
  const runsWithTaskError = new Set<string>();
  for (const t of facts.tasks) {
    if (!FAILED_TASK.has(t.status) || !t.error) continue;
    runsWithTaskError.add(t.runId);
    const line = causeLine(t.error);
    add('task-error', 'task-error', line, { runId: t.runId, taskId: t.taskId, example: `${t.title}: ${t.error}` }, (c, f) => `Tasks failed with "${line}" in ${runsText(c, f)}`);
  }
  for (const r of facts.runs) {
    if (r.status !== 'failed' || !r.error || runsWithTaskError.has(r.runId)) continue;
    const line = causeLine(r.error);
    add('task-error', 'task-error', line, { runId: r.runId, example: `${r.title}: ${r.error}` }, (c, f) => `Runs failed with "${line}" in ${runsText(c, f)}`);
  }

  // ---- tool errors, per tool ----
  for (const e of facts.toolErrors) {
    const line = firstLine(e.output);
    add(`tool-error:${e.toolName}`, 'tool-error', line, { runId: e.runId, taskId: e.taskId, example: `${e.role ? `${e.role}: ` : ''}${e.toolName}${e.args ? ` ${e.args}` : ''} → ${e.output}` }, (c, f) => `${e.toolName} returned an error ("${line}") in ${runsText(c, f)}`, {
      tool: e.toolName,
    });
  }

  // ---- QA/reviewer findings: by rule, else by the message cluster viability stored ----
  for (const f of facts.findings) {
    const subject = f.rule ?? f.cluster;
    const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
    const line = firstLine(f.message);
    add(`qa-finding:${keySignature(subject)}`, 'qa-finding', null, { runId: f.runId, taskId: f.taskId, example: `${f.role}: ${f.message}${where}` }, (c, fl) => `${f.rule ? `QA/reviewer finding ${f.rule}` : 'QA/reviewer finding'}: "${line}" in ${runsText(c, fl)}`, {
      rule: f.rule,
      cluster: f.cluster,
    });
  }

  // ---- eval tasks that keep failing ----
  for (const e of facts.evalFailures) {
    const what = e.status === 'error' ? 'ends in error' : 'fails verification';
    add(`eval-failure:${e.suite}/${e.task}:${e.status}`, 'eval-failure', null, { runId: e.runId, example: e.reason ? causeLine(e.reason, EXAMPLE_CHARS) : what }, (c, f) => `Eval task ${e.suite}/${e.task} ${what} in ${runsText(c, f)}`, {
      suite: e.suite,
      task: e.task,
    });
  }

  // ---- failed commands and model errors from recordings ----
  for (const r of facts.recorded) {
    const line = firstLine(r.text);
    const kind: ObservationKind = r.kind === 'command' ? 'command-failure' : 'model-error';
    add(`${kind}:${keySignature(r.subject)}`, kind, line, { runId: r.runId, taskId: r.taskId, example: `${r.subject}: ${r.text}` }, (c, f) =>
      r.kind === 'command' ? `The command "${clip(r.subject, 80)}" failed ("${line}") in ${runsText(c, f)}` : `The model call failed (${clip(r.subject, 60)}: "${line}") in ${runsText(c, f)}`,
    );
  }

  // ---- remediation: work sent back after QA/review ----
  const titles = new Map(facts.runs.map((r) => [r.runId, r.title]));
  for (const t of facts.tasks) {
    if (!t.remediationOf) continue;
    add('remediation', 'remediation', null, { runId: t.runId, taskId: t.taskId, example: `${titles.get(t.runId) ?? ''}: ${t.title}` }, (c, f) => `Findings sent work back as a remediation task in ${runsText(c, f)}`);
  }

  // ---- cost outliers ----
  const costed = facts.runs.filter((r) => r.costUsd > 0);
  if (costed.length >= COST_OUTLIER_MIN_RUNS) {
    const sorted = costed.map((r) => r.costUsd).sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    const outliers = costed.filter((r) => r.costUsd > COST_OUTLIER_FACTOR * median).sort((a, b) => b.costUsd - a.costUsd);
    for (const r of outliers) {
      add('cost-outlier', 'cost-outlier', null, { runId: r.runId, example: `$${r.costUsd.toFixed(4)} for "${r.title}" (median $${median.toFixed(4)})` }, (c, f) => `Runs cost more than ${COST_OUTLIER_FACTOR}× the median of $${median.toFixed(4)} in ${runsText(c, f)}`, {
        medianUsd: median,
      });
    }
  }

  const out: Observation[] = [];
  for (const g of groups.values()) {
    if (g.runs.size < minRuns || !g.example) continue;
    const runs = [...g.runs];
    const failed = runs.filter((r) => failedRuns.has(r)).length;
    out.push({ key: g.key, kind: g.kind, pattern: g.pattern(runs.length, failed), count: runs.length, runs, failedRuns: failed, example: g.example, details: g.details });
  }
  out.sort((a, b) => b.failedRuns - a.failedRuns || b.count - a.count || a.key.localeCompare(b.key));
  return out.slice(0, MAX_OBSERVATIONS);
}

/** The line that says why something failed: the telling line of a log, else its first line. */
function causeLine(text: string, max = 200): string {
  return tellingLine(text, max) || firstLine(text, max);
}

/** A key part that stays short and readable; long signatures are cut and hashed. */
function keySignature(sig: string): string {
  if (sig.length <= KEY_SIGNATURE_CHARS) return sig;
  return `${sig.slice(0, KEY_SIGNATURE_CHARS - 9)}~${createHash('sha256').update(sig).digest('hex').slice(0, 8)}`;
}
