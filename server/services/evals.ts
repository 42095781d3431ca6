import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DB } from '../db/client';
import type { EvalRunPurpose, EvalRunStatus } from '../db/schema';
import { AppError } from '../errors/app-error';
import { compareEvals, type TaskChange } from '../evals/compare';
import { roundUsd, summarize, type EvalMode, type EvalResult, type EvalTaskResult } from '../evals/result';
import { sql } from 'kysely';
import { LIVE_WORKERS_CTE, ownerIsGone } from '../../jobs/scheduler/liveness';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/**
 * Eval runs of an organisation (db/migrations/0017_evals.ts): written by the eval runner (the CLI
 * and the eval-run job), read by the Evals page. Every query is filtered by `org_id`.
 */

/** A short label for a set of prompt versions: runs with the same label ran the same prompts. */
export function promptVersionLabel(versions: Record<string, string>): string | null {
  const keys = Object.keys(versions).sort();
  if (!keys.length) return null;
  return createHash('sha256')
    .update(JSON.stringify(keys.map((k) => [k, versions[k]])))
    .digest('hex')
    .slice(0, 8);
}

export type NewEvalRun = {
  orgId: string;
  suite: string;
  suiteSource: 'builtin' | 'folder';
  model: string;
  mode: EvalMode;
  repeat: number;
  total: number;
  runner: 'cli' | 'server';
  /** The process driving it (its liveness-lock id). */
  owner?: string | null;
  startedBy?: string | null;
  status?: 'queued' | 'running';
  /** calibration: made by the self-improvement gate (server/rsi), kept apart from the organisation's evals. */
  purpose?: EvalRunPurpose;
};

export async function createEvalRun(db: DB, input: NewEvalRun): Promise<string> {
  const running = (input.status ?? 'running') === 'running';
  const row = await db
    .insertInto('eval_runs')
    .values({
      org_id: input.orgId,
      suite: input.suite,
      suite_source: input.suiteSource,
      model: input.model,
      mode: input.mode,
      repeat: input.repeat,
      total: input.total,
      runner: input.runner,
      status: input.status ?? 'running',
      owner: input.owner ?? null,
      started_by: input.startedBy ?? null,
      started_at: running ? new Date() : null,
      purpose: input.purpose ?? 'eval',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A queued eval run (the job's) starts: how many attempts it will make. */
export async function startEvalRun(db: DB, input: { orgId: string; evalRunId: string; total: number; owner: string }): Promise<boolean> {
  const r = await db
    .updateTable('eval_runs')
    .set({ status: 'running', total: input.total, owner: input.owner, started_at: new Date(), updated_at: new Date() })
    .where('id', '=', input.evalRunId)
    .where('org_id', '=', input.orgId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function recordEvalResult(db: DB, input: { orgId: string; evalRunId: string; result: EvalTaskResult }): Promise<void> {
  const t = input.result;
  await db
    .insertInto('eval_results')
    .values({
      eval_run_id: input.evalRunId,
      org_id: input.orgId,
      task: t.id,
      attempt: t.attempt,
      status: t.status,
      verify_exit_code: t.verifyExitCode,
      turns: t.turns,
      cost_usd: t.costUsd,
      input_tokens: t.inputTokens ?? 0,
      output_tokens: t.outputTokens ?? 0,
      duration_ms: t.durationMs ?? 0,
      run_id: t.runId,
      branch: t.branch ?? null,
      reason: t.reason ?? null,
    })
    .onConflict((oc) => oc.columns(['eval_run_id', 'task', 'attempt']).doNothing())
    .execute();
  await db.updateTable('eval_runs').set({ updated_at: new Date() }).where('id', '=', input.evalRunId).where('org_id', '=', input.orgId).execute();
}

export type EvalRegression = { previous: { id: string; model: string; mode: string; promptVersion: string | null; passRate: number | null } | null; regressions: TaskChange[] };

/**
 * Settles an eval run with its figures and compares it with the previous finished run of the same
 * suite in the organisation: the tasks that regressed are stored with it (the page flags them).
 */
export async function finishEvalRun(db: DB, input: { orgId: string; evalRunId: string; result: EvalResult }): Promise<EvalRegression> {
  const r = input.result;
  const versions = r.promptVersions ?? {};
  const row = await db.selectFrom('eval_runs').select(['suite', 'created_at', 'purpose']).where('id', '=', input.evalRunId).where('org_id', '=', input.orgId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Eval run not found');
  // A calibration's runs are compared by the calibration itself (with and without the proposal);
  // the organisation's own evals are compared only with each other.
  const prev =
    row.purpose === 'calibration'
      ? undefined
      : await db
          .selectFrom('eval_runs')
          .select(['id', 'model', 'mode', 'prompt_version', 'pass_rate'])
          .where('org_id', '=', input.orgId)
          .where('suite', '=', row.suite)
          .where('status', '=', 'finished')
          .where('purpose', '=', 'eval')
          .where('id', '!=', input.evalRunId)
          .where('created_at', '<=', row.created_at)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
  const previous = prev ? await evalResultOf(db, input.orgId, prev.id) : null;
  const regressions = previous ? compareEvals(previous, r).regressions : [];
  await db
    .updateTable('eval_runs')
    .set({
      status: 'finished',
      prompt_versions: JSON.stringify(versions),
      prompt_version: promptVersionLabel(versions),
      pass_rate: r.passRate,
      passed: r.passed,
      runs: r.runs,
      cost_usd: r.costUsd,
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
      duration_ms: r.durationMs,
      compared_to: prev?.id ?? null,
      regressions: JSON.stringify(regressions.map((x) => x.id)),
      finished_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', input.evalRunId)
    .where('org_id', '=', input.orgId)
    .execute();
  return {
    previous: prev ? { id: prev.id, model: prev.model, mode: prev.mode, promptVersion: prev.prompt_version, passRate: prev.pass_rate } : null,
    regressions,
  };
}

/** An eval run that ended without a result (bad suite on the server, cancelled, harness error). */
export async function endEvalRun(db: DB, input: { orgId: string; evalRunId: string; status: Extract<EvalRunStatus, 'failed' | 'cancelled'>; error: string }): Promise<void> {
  await db
    .updateTable('eval_runs')
    .set({ status: input.status, error: input.error.slice(0, 4000), finished_at: new Date(), updated_at: new Date() })
    .where('id', '=', input.evalRunId)
    .where('org_id', '=', input.orgId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/** Why an eval run whose process is gone ended. */
export const ABANDONED_EVAL = 'the process running this eval stopped before it finished (killed, or its machine went away); start it again';

/**
 * Settles the organisation's eval runs whose driving process is gone (its liveness lock dropped)
 * as failed: done when an eval starts, so none stays "running" for ever.
 */
export async function settleAbandonedEvalRuns(db: DB, orgId: string): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    with ${LIVE_WORKERS_CTE}
    update eval_runs e set status = 'failed', error = ${ABANDONED_EVAL}, finished_at = now(), updated_at = now()
    where e.org_id = ${orgId} and e.status = 'running' and e.owner is not null and ${ownerIsGone(sql.ref('e.owner'))}
    returning e.id
  `.execute(db);
  return rows.length;
}

/** A stored eval run as the result file `nightshift eval run` writes. */
export async function evalResultOf(db: DB, orgId: string, evalRunId: string): Promise<EvalResult | null> {
  const run = await db.selectFrom('eval_runs').selectAll().where('id', '=', evalRunId).where('org_id', '=', orgId).executeTakeFirst();
  if (!run) return null;
  const rows = await db.selectFrom('eval_results').selectAll().where('eval_run_id', '=', evalRunId).where('org_id', '=', orgId).orderBy('task').orderBy('attempt').execute();
  return summarize({
    suite: run.suite,
    model: run.model,
    mode: run.mode,
    durationMs: Number(run.duration_ms),
    tasks: rows.map(toTaskResult),
    promptVersions: run.prompt_versions,
    evalRunId: run.id,
  });
}

function toTaskResult(r: { task: string; attempt: number; status: 'passed' | 'failed' | 'error'; verify_exit_code: number | null; turns: number; cost_usd: number; input_tokens: string; output_tokens: string; duration_ms: string; run_id: string | null; branch: string | null; reason: string | null }): EvalTaskResult {
  return {
    id: r.task,
    attempt: r.attempt,
    status: r.status,
    verifyExitCode: r.verify_exit_code,
    turns: r.turns,
    costUsd: roundUsd(r.cost_usd),
    runId: r.run_id,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    durationMs: Number(r.duration_ms),
    ...(r.branch ? { branch: r.branch } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

/**
 * The organisation's project for one eval task's repository (under the data directory), created
 * on first use and named after the suite and task; `settings` carries the task's web test.
 */
export async function evalProject(db: DB, input: { orgId: string; repoPath: string; name: string; settings: Record<string, unknown> }): Promise<{ id: string; name: string }> {
  const existing = await db.selectFrom('projects').select(['id', 'name']).where('org_id', '=', input.orgId).where('repository', '=', input.repoPath).orderBy('created_at').limit(1).executeTakeFirst();
  if (existing) {
    await db.updateTable('projects').set({ settings: JSON.stringify(input.settings) }).where('id', '=', existing.id).where('org_id', '=', input.orgId).execute();
    return existing;
  }
  const base = input.name.slice(0, 90) || path.basename(input.repoPath);
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const row = await db
      .insertInto('projects')
      .values({ org_id: input.orgId, name, repository: input.repoPath, default_branch: 'main', settings: JSON.stringify(input.settings) })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
      .returning(['id', 'name'])
      .executeTakeFirst();
    if (row) return row;
  }
}

// ---- the Evals page ------------------------------------------------------------------------

export type EvalRunRow = {
  id: string;
  suite: string;
  suiteSource: 'builtin' | 'folder';
  model: string;
  mode: EvalMode;
  repeat: number;
  status: EvalRunStatus;
  runner: 'cli' | 'server';
  promptVersion: string | null;
  passRate: number | null;
  passed: number;
  runs: number;
  total: number;
  done: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  comparedTo: string | null;
  regressions: string[];
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

function evalRunsQuery(db: DB, orgId: string) {
  return db
    .selectFrom('eval_runs')
    .select((eb) => [
      'eval_runs.id',
      'eval_runs.suite',
      'eval_runs.suite_source',
      'eval_runs.model',
      'eval_runs.mode',
      'eval_runs.repeat',
      'eval_runs.status',
      'eval_runs.runner',
      'eval_runs.prompt_version',
      'eval_runs.prompt_versions',
      'eval_runs.pass_rate',
      'eval_runs.passed',
      'eval_runs.runs',
      'eval_runs.total',
      'eval_runs.cost_usd',
      'eval_runs.input_tokens',
      'eval_runs.output_tokens',
      'eval_runs.duration_ms',
      'eval_runs.compared_to',
      'eval_runs.regressions',
      'eval_runs.error',
      'eval_runs.created_at',
      'eval_runs.finished_at',
      eb
        .selectFrom('eval_results')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('eval_results.eval_run_id', '=', 'eval_runs.id')
        .where('eval_results.org_id', '=', orgId)
        .as('done'),
    ])
    .where('eval_runs.org_id', '=', orgId);
}

type EvalRunSelected = Awaited<ReturnType<ReturnType<typeof evalRunsQuery>['execute']>>[number];

/** The organisation's running eval runs whose driving process is gone. */
async function abandonedEvalRuns(db: DB, orgId: string): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`
    with ${LIVE_WORKERS_CTE}
    select e.id from eval_runs e
    where e.org_id = ${orgId} and e.status = 'running' and e.owner is not null and ${ownerIsGone(sql.ref('e.owner'))}
  `.execute(db);
  return new Set(rows.map((r) => r.id));
}

function toRow(r: EvalRunSelected, abandonedIds: Set<string>): EvalRunRow {
  const abandoned = abandonedIds.has(r.id);
  return {
    id: r.id,
    suite: r.suite,
    suiteSource: r.suite_source,
    model: r.model,
    mode: r.mode,
    repeat: r.repeat,
    // Shown as what it is: its process is gone (settled for good when the next eval starts).
    status: abandoned ? 'failed' : r.status,
    runner: r.runner,
    promptVersion: r.prompt_version,
    passRate: r.pass_rate,
    passed: r.passed,
    runs: r.runs,
    total: r.total,
    done: Number(r.done ?? 0),
    costUsd: roundUsd(r.cost_usd),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    durationMs: Number(r.duration_ms),
    comparedTo: r.compared_to,
    regressions: r.regressions ?? [],
    error: abandoned ? ABANDONED_EVAL : r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** The organisation's eval runs, newest first (with how many attempts each has finished). */
export async function listEvalRuns(db: DB, scope: OrgScope, input: { suite?: string; limit?: number }): Promise<EvalRunRow[]> {
  // Calibration runs are listed with their proposal on the Improvements page.
  let q = evalRunsQuery(db, scope.orgId).where('eval_runs.purpose', '=', 'eval');
  if (input.suite) q = q.where('eval_runs.suite', '=', input.suite);
  const rows = await q
    .orderBy('eval_runs.created_at', 'desc')
    .orderBy('eval_runs.id', 'desc')
    .limit(Math.min(200, input.limit ?? 50))
    .execute();
  const abandoned = await abandonedEvalRuns(db, scope.orgId);
  return rows.map((r) => toRow(r, abandoned));
}

export type EvalRunDetail = EvalRunRow & { promptVersions: Record<string, string>; tasks: EvalTaskResult[] };

/** Eval runs side by side, in the order asked: each with its per-task results (attempts finished so far). */
export async function evalRunsDetail(db: DB, scope: OrgScope, input: { evalRunIds: string[] }): Promise<EvalRunDetail[]> {
  const ids = [...new Set(input.evalRunIds)];
  if (!ids.length) return [];
  const rows = await evalRunsQuery(db, scope.orgId).where('eval_runs.id', 'in', ids).execute();
  if (rows.length !== ids.length) throw new AppError('NOT_FOUND', 'Eval run not found');
  const results = await db.selectFrom('eval_results').selectAll().where('org_id', '=', scope.orgId).where('eval_run_id', 'in', ids).orderBy('task').orderBy('attempt').execute();
  const abandoned = await abandonedEvalRuns(db, scope.orgId);
  return ids.map((id) => {
    const row = rows.find((r) => r.id === id)!;
    return { ...toRow(row, abandoned), promptVersions: row.prompt_versions ?? {}, tasks: results.filter((r) => r.eval_run_id === id).map(toTaskResult) };
  });
}

/** A member asks for an eval run from the page: stored queued; the job starts it. */
export async function queueEvalRun(db: DB, scope: OrgScope, input: { suite: string; model: string; mode: EvalMode; repeat: number; total: number }): Promise<{ id: string }> {
  requireRole(scope, 'member');
  const id = await createEvalRun(db, { orgId: scope.orgId, suite: input.suite, suiteSource: 'builtin', model: input.model, mode: input.mode, repeat: input.repeat, total: input.total, runner: 'server', startedBy: scope.userId, status: 'queued' });
  return { id };
}

export async function setEvalJob(db: DB, scope: OrgScope, input: { evalRunId: string; jobId: string | null }): Promise<void> {
  await db.updateTable('eval_runs').set({ job_id: input.jobId }).where('id', '=', input.evalRunId).where('org_id', '=', scope.orgId).execute();
}
