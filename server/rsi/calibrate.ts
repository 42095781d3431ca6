import type { SandboxDriverName } from '../../sandbox/types';
import type { Budgets } from '../agent/budgets';
import type { DB } from '../db/client';
import type { RsiRerun } from '../db/schema';
import type { EvalResult, EvalTaskResult } from '../evals/result';
import { runEval } from '../evals/runner';
import type { EvalSuite } from '../evals/suite';
import type { AgentSettingsOverlay } from '../pipeline/agent-setup';
import type { Publisher } from '../realtime/publish';
import { addCalibrationRuns, createCalibration, evalTasksOfRuns, failedRunsAmong, finishCalibration, type CalibrationFigures, type ProposalRow } from '../services/rsi';
import { rerunFailedRun } from './rerun';

/**
 * The calibration gate. A prompt or skill proposal is tried before anyone adopts it:
 *
 * 1. the organisation's eval suite runs twice, without the proposal (the baseline: the
 *    organisation's prompts and skills as they are) and with it (laid over them for this eval
 *    only, nothing saved);
 * 2. the failing runs of the observations it addresses are re-run with it — an attempt of an eval
 *    task of the suite is judged by that task in the run with the proposal; any other run is re-run
 *    as a task on a scratch copy of its project's repository and judged by its outcome.
 *
 * It passes only when the pass rate does not drop **and** at least one observed failure now
 * passes. An eval attempt the harness could not judge (`error`), or an eval that could not run,
 * makes the calibration an error: nothing is adopted on it.
 */

/** Observed failing runs re-run per calibration (newest first). */
export const MAX_RERUNS = 5;

export type CalibrateOptions = {
  db: DB;
  databaseUrl: string;
  dataDir: string;
  orgId: string;
  proposal: ProposalRow;
  /** The runs of the observations the proposal addresses. */
  observedRuns: string[];
  suite: EvalSuite;
  suiteSource: 'builtin' | 'folder';
  model: string;
  baseUrl?: string;
  mode: 'agent' | 'pipeline';
  repeat?: number;
  concurrency?: number;
  driver: SandboxDriverName;
  publish: Publisher;
  setupDependencies?: boolean;
  budgets?: Partial<Budgets>;
  log?: (line: string) => void;
  signal?: AbortSignal;
};

export type CalibrationOutcome = { calibrationId: string; figures: CalibrationFigures };

/** The change a proposal makes, as an overlay on the organisation's agent settings. */
export function overlayOf(p: ProposalRow): AgentSettingsOverlay {
  if (p.afterText === null) throw new Error(`proposal ${p.id} has no patched text`);
  if (p.kind === 'prompt') return { promptOverrides: { [p.target]: p.afterText } };
  if (p.kind === 'skill') return { skills: { [p.target]: p.afterText } };
  throw new Error(`a ${p.kind} proposal is not calibrated`);
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const rate = (r: EvalResult) => `${pct(r.passRate)} (${r.passed}/${r.runs})`;

/** Whether every attempt of `task` passed in an eval result (false when it had none). */
function taskPassed(result: EvalResult, task: string): { passed: boolean; attempts: EvalTaskResult[] } {
  const attempts = result.tasks.filter((t) => t.id === task);
  return { passed: attempts.length > 0 && attempts.every((t) => t.status === 'passed'), attempts };
}

/** The verdict from the figures (pure: the gate's rule in one place). */
export function judgeCalibration(input: { baseline: EvalResult; candidate: EvalResult; reruns: RsiRerun[] }): { status: 'passed' | 'failed'; fixed: number; verdict: string } {
  const { baseline, candidate, reruns } = input;
  const fixed = reruns.filter((r) => r.status === 'passed').length;
  const judged = reruns.filter((r) => r.status === 'passed' || r.status === 'failed').length;
  const rates = `pass rate ${rate(baseline)} without → ${rate(candidate)} with`;
  const failures = reruns.length
    ? `${fixed} of ${reruns.length} observed failing run${reruns.length === 1 ? '' : 's'} pass${fixed === 1 ? 'es' : ''} with it${judged < reruns.length ? ` (${reruns.length - judged} could not be re-run)` : ''}`
    : 'no observed failing run could be re-run';
  if (candidate.passRate < baseline.passRate) return { status: 'failed', fixed, verdict: `rejected: the pass rate dropped: ${rates}; ${failures}` };
  if (fixed === 0) return { status: 'failed', fixed, verdict: `rejected: no observed failure passes with it: ${rates}; ${failures}` };
  return { status: 'passed', fixed, verdict: `passed: ${rates}; ${failures}` };
}

export async function calibrateProposal(opts: CalibrateOptions): Promise<CalibrationOutcome> {
  const { db, orgId, proposal, suite } = opts;
  const log = opts.log ?? (() => undefined);
  const overlay = overlayOf(proposal);
  const calibrationId = await createCalibration(db, { orgId, proposalId: proposal.id, suite: suite.name, model: opts.model, mode: opts.mode });
  let costUsd = 0;
  const figures = (f: Partial<CalibrationFigures> & Pick<CalibrationFigures, 'status' | 'verdict'>): CalibrationFigures => ({
    baselineEvalRunId: null,
    candidateEvalRunId: null,
    baseline: null,
    candidate: null,
    reruns: [],
    fixed: 0,
    error: null,
    costUsd,
    ...f,
  });
  const finish = async (f: CalibrationFigures): Promise<CalibrationOutcome> => {
    await finishCalibration(db, { orgId, calibrationId, figures: f });
    log(`calibration ${calibrationId} of proposal ${proposal.id}: ${f.verdict}`);
    return { calibrationId, figures: f };
  };

  // ---- which observed failures can be re-run, and how ----
  const failing = (await failedRunsAmong(db, { orgId, runIds: opts.observedRuns })).slice(0, MAX_RERUNS);
  const evalOf = await evalTasksOfRuns(db, { orgId, runIds: failing });
  const suiteTasks = new Set(suite.tasks.map((t) => t.id));
  const evalTargets: Array<{ runId: string; task: string }> = [];
  const otherRuns: string[] = [];
  const skipped: RsiRerun[] = [];
  for (const runId of failing) {
    const e = evalOf.get(runId);
    if (!e) otherRuns.push(runId);
    else if (e.suite === suite.name && suiteTasks.has(e.task)) evalTargets.push({ runId, task: e.task });
    else skipped.push({ runId, target: `eval:${e.suite}/${e.task}`, status: 'skipped', reason: `an attempt of eval task ${e.suite}/${e.task}, which is not in the calibration suite "${suite.name}"` });
  }

  // ---- the suite without and with the proposal ----
  const common = {
    db,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    orgId,
    suite,
    suiteSource: opts.suiteSource,
    model: opts.model,
    baseUrl: opts.baseUrl,
    mode: opts.mode,
    repeat: opts.repeat,
    concurrency: opts.concurrency,
    driver: opts.driver,
    publish: opts.publish,
    setupDependencies: opts.setupDependencies,
    budgets: opts.budgets,
    runner: 'server' as const,
    purpose: 'calibration' as const,
    signal: opts.signal,
  };
  let baseline: EvalResult;
  let candidate: EvalResult;
  try {
    log(`calibration ${calibrationId}: suite "${suite.name}" without the proposal`);
    const b = await runEval({ ...common, log: (l) => log(`  [without] ${l}`) });
    if (b.cancelled) return finish(figures({ status: 'error', verdict: 'error: the calibration was cancelled; nothing adopted', error: 'cancelled' }));
    baseline = b.result;
    costUsd += baseline.costUsd;
    await addCalibrationRuns(db, { orgId, calibrationId, runIds: baseline.tasks.flatMap((t) => (t.runId ? [t.runId] : [])) });
    log(`calibration ${calibrationId}: suite "${suite.name}" with the proposal`);
    const c = await runEval({ ...common, agentOverlay: overlay, log: (l) => log(`  [with] ${l}`) });
    if (c.cancelled) return finish(figures({ status: 'error', verdict: 'error: the calibration was cancelled; nothing adopted', error: 'cancelled', baselineEvalRunId: baseline.evalRunId ?? null }));
    candidate = c.result;
    costUsd += candidate.costUsd;
    await addCalibrationRuns(db, { orgId, calibrationId, runIds: candidate.tasks.flatMap((t) => (t.runId ? [t.runId] : [])) });
  } catch (err) {
    const message = (err as Error).message;
    return finish(figures({ status: 'error', verdict: `error: the eval could not run (${message}); nothing adopted`, error: message }));
  }
  const evalIds = { baselineEvalRunId: baseline.evalRunId ?? null, candidateEvalRunId: candidate.evalRunId ?? null };
  const numbers = { baseline: { passRate: baseline.passRate, passed: baseline.passed, runs: baseline.runs }, candidate: { passRate: candidate.passRate, passed: candidate.passed, runs: candidate.runs } };
  const errored = [...baseline.tasks.map((t) => ({ t, side: 'without' })), ...candidate.tasks.map((t) => ({ t, side: 'with' }))].filter((x) => x.t.status === 'error');
  if (errored.length) {
    const list = errored.map((x) => `${x.t.id} (${x.side}): ${(x.t.reason ?? 'error').split('\n')[0].slice(0, 200)}`).join('; ');
    return finish(figures({ status: 'error', ...evalIds, ...numbers, verdict: `error: the eval errored, so it cannot judge the proposal; nothing adopted: ${list}`, error: list }));
  }

  // ---- the observed failures with the proposal ----
  const reruns: RsiRerun[] = [...skipped];
  for (const t of evalTargets) {
    const r = taskPassed(candidate, t.task);
    reruns.push({ runId: t.runId, target: `eval:${suite.name}/${t.task}`, status: r.passed ? 'passed' : 'failed', newRunId: r.attempts[0]?.runId ?? null, ...(r.passed ? {} : { reason: (r.attempts[0]?.reason ?? '').split('\n')[0].slice(0, 300) }) });
  }
  for (const runId of otherRuns) {
    if (opts.signal?.aborted) break;
    const r = await rerunFailedRun({ ...common, runId, overlay, log: (l) => log(`  [re-run] ${l}`) });
    costUsd += r.costUsd;
    if (r.rerun.newRunId) await addCalibrationRuns(db, { orgId, calibrationId, runIds: [r.rerun.newRunId] });
    if (r.rerun.status === 'error') {
      return finish(figures({ status: 'error', ...evalIds, ...numbers, reruns: [...reruns, r.rerun], verdict: `error: re-running run ${runId} failed (${r.rerun.reason ?? 'error'}); nothing adopted`, error: r.rerun.reason ?? 'error' }));
    }
    reruns.push(r.rerun);
  }

  const judged = judgeCalibration({ baseline, candidate, reruns });
  return finish(figures({ status: judged.status, ...evalIds, ...numbers, reruns, fixed: judged.fixed, verdict: judged.verdict }));
}
