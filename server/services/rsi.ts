import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { RsiChallenge, RsiEdit, RsiExample, RsiProposalKind, RsiProposalStatus, RsiRerun, RsiTrigger } from '../db/schema';
import { AppError } from '../errors/app-error';
import { readRsiSettings, ZRsiSettings, type RsiSettings, type RsiSettingsInput } from '../rsi/settings';
import type { Observation } from '../rsi/types';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/**
 * The self-improvement loop's records (db/migrations/0020_rsi.ts): reports and their observations,
 * proposals, calibrations; and the organisation's settings for it. Every query is filtered by
 * `org_id`. Reads are open to every member; settings, approvals and reverts need an admin.
 */

// ---- settings --------------------------------------------------------------------------------

export async function loadRsiSettings(db: DB, orgId: string): Promise<RsiSettings> {
  const org = await db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
  return readRsiSettings(org.settings?.rsi);
}

export async function getRsiSettings(db: DB, scope: OrgScope): Promise<RsiSettings> {
  return loadRsiSettings(db, scope.orgId);
}

/** Changes some settings (admins); what is left out keeps its value. */
export async function setRsiSettings(db: DB, scope: OrgScope, input: Partial<RsiSettingsInput>): Promise<RsiSettings> {
  requireRole(scope, 'admin');
  const current = await loadRsiSettings(db, scope.orgId);
  const parsed = ZRsiSettings.safeParse({ ...current, ...input });
  if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '));
  // A jsonb merge in the query, so a concurrent change to another setting is not overwritten.
  await db
    .updateTable('organizations')
    .set({ settings: sql`coalesce(settings, '{}'::jsonb) || jsonb_build_object('rsi', ${JSON.stringify(parsed.data)}::jsonb)` })
    .where('id', '=', scope.orgId)
    .execute();
  return parsed.data;
}

// ---- reports and observations ----------------------------------------------------------------

export type StoredObservation = Observation & { id: string };

/** A report row, running: the CLI's and the "Run now" button's. */
export async function createReport(db: DB, input: { orgId: string; trigger: RsiTrigger; since: Date; startedBy?: string | null; status?: 'queued' | 'running' }): Promise<string> {
  const status = input.status ?? 'running';
  try {
    const row = await db
      .insertInto('rsi_reports')
      .values({ org_id: input.orgId, trigger: input.trigger, status, since: input.since, started_by: input.startedBy ?? null, started_at: status === 'running' ? new Date() : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AppError('CONFLICT', 'A report of this organisation is already queued or running; wait for it to finish');
    throw err;
  }
}

/**
 * Claims the organisation's next scheduled report: one statement, so two workers ticking at once
 * queue it once (a unique index allows one queued or running report per organisation).
 */
export async function claimScheduledReport(db: DB, input: { orgId: string; since: Date }): Promise<string | null> {
  const row = await db
    .insertInto('rsi_reports')
    .values({ org_id: input.orgId, trigger: 'schedule', status: 'queued', since: input.since })
    .onConflict((oc) => oc.column('org_id').where('status', 'in', ['queued', 'running']).where('trigger', '<>', 'cli').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function setReportJob(db: DB, input: { orgId: string; reportId: string; jobId: string | null }): Promise<void> {
  await db.updateTable('rsi_reports').set({ job_id: input.jobId }).where('id', '=', input.reportId).where('org_id', '=', input.orgId).execute();
}

/** A queued report starts; false when it is not queued (already taken, or gone). */
export async function startReport(db: DB, input: { orgId: string; reportId: string }): Promise<{ since: Date; trigger: RsiTrigger } | null> {
  const row = await db
    .updateTable('rsi_reports')
    .set({ status: 'running', started_at: new Date() })
    .where('id', '=', input.reportId)
    .where('org_id', '=', input.orgId)
    // Only from queued: two jobs for one report (a tick and the page racing) never both run it.
    .where('status', '=', 'queued')
    .returning(['since', 'trigger'])
    .executeTakeFirst();
  return row ? { since: new Date(row.since), trigger: row.trigger } : null;
}

export async function storeObservations(db: DB, input: { orgId: string; reportId: string; until: Date; runsMined: number; observations: Observation[] }): Promise<StoredObservation[]> {
  const { orgId, reportId } = input;
  await db.updateTable('rsi_reports').set({ until: input.until, runs_mined: input.runsMined, observations: input.observations.length }).where('id', '=', reportId).where('org_id', '=', orgId).execute();
  if (!input.observations.length) return [];
  const rows = await db
    .insertInto('rsi_observations')
    .values(
      input.observations.map((o) => ({
        org_id: orgId,
        report_id: reportId,
        key: o.key,
        kind: o.kind,
        pattern: o.pattern,
        count: o.count,
        failed_runs: o.failedRuns,
        runs: JSON.stringify(o.runs),
        example: JSON.stringify(o.example),
        details: JSON.stringify(o.details),
      })),
    )
    .returning(['id', 'key'])
    .execute();
  const ids = new Map(rows.map((r) => [r.key, r.id]));
  return input.observations.map((o) => ({ ...o, id: ids.get(o.key)! }));
}

export async function finishReport(db: DB, input: { orgId: string; reportId: string; proposals: number; model: string | null; summary: string }): Promise<void> {
  await db
    .updateTable('rsi_reports')
    .set({ status: 'finished', proposals: input.proposals, model: input.model, summary: input.summary.slice(0, 4000), finished_at: new Date() })
    .where('id', '=', input.reportId)
    .where('org_id', '=', input.orgId)
    .execute();
}

export async function failReport(db: DB, input: { orgId: string; reportId: string; error: string }): Promise<void> {
  await db
    .updateTable('rsi_reports')
    .set({ status: 'failed', error: input.error.slice(0, 4000), finished_at: new Date() })
    .where('id', '=', input.reportId)
    .where('org_id', '=', input.orgId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/**
 * Reports still queued or running since before `olderThan` (their worker died, or their job
 * expired): failed, so the schedule can queue the next one. Returns how many.
 */
export async function settleStaleReports(db: DB, input: { olderThan: Date }): Promise<number> {
  const r = await db
    .updateTable('rsi_reports')
    .set({ status: 'failed', error: 'the cycle stopped without finishing (its worker stopped or its job expired)', finished_at: new Date() })
    .where('status', 'in', ['queued', 'running'])
    .where('created_at', '<', input.olderThan)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * "Run now" on the Improvements page (admins): a queued manual report. The caller sends its job at
 * once when it has the job queue (and says so with `jobPending`); otherwise the next schedule tick
 * sends it. Refused while another scheduled or manual report of the organisation is open.
 */
export async function queueManualReport(db: DB, scope: OrgScope, input: { jobPending: boolean }): Promise<string> {
  requireRole(scope, 'admin');
  const settings = await loadRsiSettings(db, scope.orgId);
  const id = await createReport(db, { orgId: scope.orgId, trigger: 'manual', since: new Date(Date.now() - settings.windowDays * 24 * 3600 * 1000), startedBy: scope.userId, status: 'queued' });
  if (input.jobPending) await db.updateTable('rsi_reports').set({ job_id: JOB_PENDING }).where('id', '=', id).where('org_id', '=', scope.orgId).execute();
  return id;
}

/** job_id of a report whose job is being sent by the web process (the tick leaves it alone). */
const JOB_PENDING = 'pending';

/**
 * Queued reports no job was sent for (a "Run now" on a web process without the job queue), each
 * claimed by marking it pending in the same statement, so two ticks do not both send it.
 */
export async function claimUnsentReports(db: DB): Promise<Array<{ orgId: string; reportId: string }>> {
  const rows = await db.updateTable('rsi_reports').set({ job_id: JOB_PENDING }).where('status', '=', 'queued').where('job_id', 'is', null).returning(['id', 'org_id']).execute();
  return rows.map((r) => ({ orgId: r.org_id, reportId: r.id }));
}

/** The name a person goes by in notices ("approved by …"). */
export async function userDisplayName(db: DB, userId: string | null): Promise<string> {
  if (!userId) return 'an API token';
  const u = await db.selectFrom('users').select(['name', 'email']).where('id', '=', userId).executeTakeFirst();
  return u?.name || u?.email || 'a member';
}

/** Organisations whose scheduled report is due: switched on, and the last report older than their interval. */
export async function dueOrganisations(db: DB, now: Date): Promise<Array<{ orgId: string; settings: RsiSettings }>> {
  const rows = await db
    .selectFrom('organizations')
    .select((eb) => [
      'organizations.id',
      'organizations.settings',
      eb.selectFrom('rsi_reports').select(sql<Date | null>`max(rsi_reports.created_at)`.as('m')).whereRef('rsi_reports.org_id', '=', 'organizations.id').as('last'),
    ])
    .execute();
  const out: Array<{ orgId: string; settings: RsiSettings }> = [];
  for (const r of rows) {
    const settings = readRsiSettings(r.settings?.rsi);
    if (!settings.enabled) continue;
    const last = r.last ? new Date(r.last).getTime() : 0;
    if (now.getTime() - last >= settings.intervalMinutes * 60_000) out.push({ orgId: r.id, settings });
  }
  return out;
}

const toObservation = (r: { id: string; key: string; kind: string; pattern: string; count: number; failed_runs: number; runs: string[]; example: RsiExample; details: Record<string, unknown> }): StoredObservation => ({
  id: r.id,
  key: r.key,
  kind: r.kind as Observation['kind'],
  pattern: r.pattern,
  count: r.count,
  failedRuns: r.failed_runs,
  runs: r.runs,
  example: r.example,
  details: r.details,
});

export async function observationsOf(db: DB, input: { orgId: string; reportId?: string; ids?: string[] }): Promise<StoredObservation[]> {
  let q = db.selectFrom('rsi_observations').select(['id', 'key', 'kind', 'pattern', 'count', 'failed_runs', 'runs', 'example', 'details']).where('org_id', '=', input.orgId);
  if (input.reportId) q = q.where('report_id', '=', input.reportId);
  if (input.ids) {
    if (!input.ids.length) return [];
    q = q.where('id', 'in', input.ids);
  }
  const rows = await q.orderBy('failed_runs', 'desc').orderBy('count', 'desc').orderBy('key').execute();
  return rows.map(toObservation);
}

// ---- proposals -------------------------------------------------------------------------------

export type NewProposal = {
  orgId: string;
  reportId: string | null;
  kind: RsiProposalKind;
  target: string;
  title: string;
  rationale: string;
  observationIds: string[];
  edits: RsiEdit[];
  baseVersion: number | null;
  beforeText: string | null;
  afterText: string | null;
  challenge: RsiChallenge | null;
  projectId: string | null;
  status: RsiProposalStatus;
  statusReason: string | null;
  model: string | null;
};

export async function insertProposal(db: DB, p: NewProposal): Promise<string> {
  const row = await db
    .insertInto('rsi_proposals')
    .values({
      org_id: p.orgId,
      report_id: p.reportId,
      kind: p.kind,
      target: p.target,
      title: p.title.slice(0, 300),
      rationale: p.rationale.slice(0, 8000),
      observation_ids: JSON.stringify(p.observationIds),
      edits: JSON.stringify(p.edits),
      base_version: p.baseVersion,
      before_text: p.beforeText,
      after_text: p.afterText,
      challenge: p.challenge ? JSON.stringify(p.challenge) : null,
      project_id: p.projectId,
      status: p.status,
      status_reason: p.statusReason?.slice(0, 4000) ?? null,
      model: p.model,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A stored proposal: what was proposed (its organisation implied by the scope) and what became of it. */
export type ProposalRow = Omit<NewProposal, 'orgId'> & {
  id: string;
  adoptedRef: Record<string, unknown> | null;
  adoptedAt: Date | null;
  revertedAt: Date | null;
  createdAt: Date;
};

const PROPOSAL_COLUMNS = [
  'id',
  'report_id',
  'kind',
  'target',
  'title',
  'rationale',
  'observation_ids',
  'edits',
  'base_version',
  'before_text',
  'after_text',
  'challenge',
  'project_id',
  'status',
  'status_reason',
  'model',
  'adopted_ref',
  'adopted_at',
  'reverted_at',
  'created_at',
] as const;

type ProposalSelected = {
  id: string;
  report_id: string | null;
  kind: RsiProposalKind;
  target: string;
  title: string;
  rationale: string;
  observation_ids: string[];
  edits: RsiEdit[];
  base_version: number | null;
  before_text: string | null;
  after_text: string | null;
  challenge: RsiChallenge | null;
  project_id: string | null;
  status: RsiProposalStatus;
  status_reason: string | null;
  model: string | null;
  adopted_ref: Record<string, unknown> | null;
  adopted_at: Date | null;
  reverted_at: Date | null;
  created_at: Date;
};

const toProposal = (r: ProposalSelected): ProposalRow => ({
  id: r.id,
  reportId: r.report_id,
  kind: r.kind,
  target: r.target,
  title: r.title,
  rationale: r.rationale,
  observationIds: r.observation_ids,
  edits: r.edits,
  baseVersion: r.base_version,
  beforeText: r.before_text,
  afterText: r.after_text,
  challenge: r.challenge,
  projectId: r.project_id,
  status: r.status,
  statusReason: r.status_reason,
  model: r.model,
  adoptedRef: r.adopted_ref,
  adoptedAt: r.adopted_at,
  revertedAt: r.reverted_at,
  createdAt: r.created_at,
});

export async function getProposal(db: DB, input: { orgId: string; proposalId: string }): Promise<ProposalRow> {
  const r = await db.selectFrom('rsi_proposals').select(PROPOSAL_COLUMNS).where('id', '=', input.proposalId).where('org_id', '=', input.orgId).executeTakeFirst();
  if (!r) throw new AppError('NOT_FOUND', 'Proposal not found');
  return toProposal(r as ProposalSelected);
}

/**
 * Moves a proposal from one of `from` to `to`: false when it was not in one of them (another
 * worker or person moved it first), so two deciders never both act.
 */
export async function moveProposal(
  db: DB,
  input: { orgId: string; proposalId: string; from: RsiProposalStatus[]; to: RsiProposalStatus; reason?: string | null; adoptedRef?: Record<string, unknown>; by?: string | null },
): Promise<boolean> {
  const now = new Date();
  const r = await db
    .updateTable('rsi_proposals')
    .set({
      status: input.to,
      updated_at: now,
      ...(input.reason !== undefined ? { status_reason: input.reason?.slice(0, 4000) ?? null } : {}),
      ...(input.to === 'adopted' ? { adopted_at: now, adopted_by: input.by ?? null, adopted_ref: JSON.stringify(input.adoptedRef ?? {}) } : {}),
      ...(input.to === 'reverted' ? { reverted_at: now, reverted_by: input.by ?? null, ...(input.adoptedRef ? { adopted_ref: JSON.stringify(input.adoptedRef) } : {}) } : {}),
    })
    .where('id', '=', input.proposalId)
    .where('org_id', '=', input.orgId)
    .where('status', 'in', input.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Proposals adopted (not reverted) of a kind: the organisation's adopted eval challenges. */
export async function adoptedProposals(db: DB, input: { orgId: string; kind: RsiProposalKind }): Promise<ProposalRow[]> {
  const rows = await db.selectFrom('rsi_proposals').select(PROPOSAL_COLUMNS).where('org_id', '=', input.orgId).where('kind', '=', input.kind).where('status', '=', 'adopted').orderBy('adopted_at').execute();
  return rows.map((r) => toProposal(r as ProposalSelected));
}

// ---- calibrations ----------------------------------------------------------------------------

export async function createCalibration(db: DB, input: { orgId: string; proposalId: string; suite: string; model: string; mode: string }): Promise<string> {
  const row = await db
    .insertInto('rsi_calibrations')
    .values({ org_id: input.orgId, proposal_id: input.proposalId, suite: input.suite, model: input.model, mode: input.mode })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Adds runs a calibration made as soon as they exist, so mining leaves them out even if it dies. */
export async function addCalibrationRuns(db: DB, input: { orgId: string; calibrationId: string; runIds: string[] }): Promise<void> {
  if (!input.runIds.length) return;
  await db
    .updateTable('rsi_calibrations')
    .set({ run_ids: sql`run_ids || ${JSON.stringify(input.runIds)}::jsonb` })
    .where('id', '=', input.calibrationId)
    .where('org_id', '=', input.orgId)
    .execute();
}

export type CalibrationFigures = {
  status: 'passed' | 'failed' | 'error';
  baselineEvalRunId: string | null;
  candidateEvalRunId: string | null;
  baseline: { passRate: number; passed: number; runs: number } | null;
  candidate: { passRate: number; passed: number; runs: number } | null;
  reruns: RsiRerun[];
  fixed: number;
  verdict: string;
  error: string | null;
  costUsd: number;
};

export async function finishCalibration(db: DB, input: { orgId: string; calibrationId: string; figures: CalibrationFigures }): Promise<void> {
  const f = input.figures;
  await db
    .updateTable('rsi_calibrations')
    .set({
      status: f.status,
      baseline_eval_run_id: f.baselineEvalRunId,
      candidate_eval_run_id: f.candidateEvalRunId,
      baseline_pass_rate: f.baseline?.passRate ?? null,
      baseline_passed: f.baseline?.passed ?? null,
      baseline_runs: f.baseline?.runs ?? null,
      candidate_pass_rate: f.candidate?.passRate ?? null,
      candidate_passed: f.candidate?.passed ?? null,
      candidate_runs: f.candidate?.runs ?? null,
      reruns: JSON.stringify(f.reruns),
      fixed: f.fixed,
      verdict: f.verdict.slice(0, 4000),
      error: f.error?.slice(0, 4000) ?? null,
      cost_usd: f.costUsd,
      finished_at: new Date(),
    })
    .where('id', '=', input.calibrationId)
    .where('org_id', '=', input.orgId)
    .execute();
}

export type CalibrationRow = {
  id: string;
  proposalId: string;
  status: string;
  suite: string;
  model: string;
  mode: string;
  baselineEvalRunId: string | null;
  candidateEvalRunId: string | null;
  baselinePassRate: number | null;
  candidatePassRate: number | null;
  baselinePassed: number | null;
  baselineRuns: number | null;
  candidatePassed: number | null;
  candidateRuns: number | null;
  reruns: RsiRerun[];
  fixed: number;
  verdict: string | null;
  error: string | null;
  costUsd: number;
  createdAt: Date;
  finishedAt: Date | null;
};

async function calibrationsOf(db: DB, orgId: string, proposalIds: string[]): Promise<CalibrationRow[]> {
  if (!proposalIds.length) return [];
  const rows = await db.selectFrom('rsi_calibrations').selectAll().where('org_id', '=', orgId).where('proposal_id', 'in', proposalIds).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    proposalId: r.proposal_id,
    status: r.status,
    suite: r.suite,
    model: r.model,
    mode: r.mode,
    baselineEvalRunId: r.baseline_eval_run_id,
    candidateEvalRunId: r.candidate_eval_run_id,
    baselinePassRate: r.baseline_pass_rate,
    candidatePassRate: r.candidate_pass_rate,
    baselinePassed: r.baseline_passed,
    baselineRuns: r.baseline_runs,
    candidatePassed: r.candidate_passed,
    candidateRuns: r.candidate_runs,
    reruns: r.reruns,
    fixed: r.fixed,
    verdict: r.verdict,
    error: r.error,
    costUsd: r.cost_usd,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
}

// ---- what the Improvements page reads --------------------------------------------------------

export async function listReports(db: DB, scope: OrgScope, input: { limit?: number } = {}) {
  const rows = await db
    .selectFrom('rsi_reports')
    .select(['id', 'trigger', 'status', 'since', 'until', 'runs_mined', 'observations', 'proposals', 'model', 'summary', 'error', 'created_at', 'finished_at'])
    .where('org_id', '=', scope.orgId)
    .orderBy('created_at', 'desc')
    .limit(Math.min(100, input.limit ?? 20))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    since: r.since,
    until: r.until,
    runsMined: r.runs_mined,
    observations: r.observations,
    proposals: r.proposals,
    model: r.model,
    summary: r.summary,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
}

/** A report's observations: the latest finished report's when none is named. */
export async function reportObservations(db: DB, scope: OrgScope, input: { reportId?: string }): Promise<{ reportId: string | null; observations: StoredObservation[] }> {
  let reportId = input.reportId ?? null;
  if (reportId) {
    const r = await db.selectFrom('rsi_reports').select('id').where('id', '=', reportId).where('org_id', '=', scope.orgId).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'Report not found');
  } else {
    const r = await db.selectFrom('rsi_reports').select('id').where('org_id', '=', scope.orgId).where('status', '=', 'finished').orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    reportId = r?.id ?? null;
  }
  if (!reportId) return { reportId: null, observations: [] };
  return { reportId, observations: await observationsOf(db, { orgId: scope.orgId, reportId }) };
}

export type ProposalView = ProposalRow & { calibrations: CalibrationRow[]; observations: Array<{ id: string; pattern: string; count: number }> };

export async function listProposals(db: DB, scope: OrgScope, input: { status?: RsiProposalStatus[]; limit?: number } = {}): Promise<ProposalView[]> {
  let q = db.selectFrom('rsi_proposals').select(PROPOSAL_COLUMNS).where('org_id', '=', scope.orgId);
  if (input.status?.length) q = q.where('status', 'in', input.status);
  const rows = (await q
    .orderBy('created_at', 'desc')
    .limit(Math.min(200, input.limit ?? 50))
    .execute()) as ProposalSelected[];
  const proposals = rows.map(toProposal);
  const cals = await calibrationsOf(
    db,
    scope.orgId,
    proposals.map((p) => p.id),
  );
  const obsIds = [...new Set(proposals.flatMap((p) => p.observationIds))];
  const obs = await observationsOf(db, { orgId: scope.orgId, ids: obsIds });
  const byId = new Map(obs.map((o) => [o.id, o]));
  return proposals.map((p) => ({
    ...p,
    calibrations: cals.filter((c) => c.proposalId === p.id),
    observations: p.observationIds.flatMap((id) => {
      const o = byId.get(id);
      return o ? [{ id, pattern: o.pattern, count: o.count }] : [];
    }),
  }));
}

/** The project most of these runs belong to (a documentation proposal's spec goes there). */
export async function projectOfRuns(db: DB, input: { orgId: string; runIds: string[] }): Promise<string | null> {
  if (!input.runIds.length) return null;
  const row = await db
    .selectFrom('runs')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .select(['runs.project_id', sql<number>`count(*)`.as('n')])
    .where('runs.org_id', '=', input.orgId)
    .where('runs.id', 'in', input.runIds)
    .groupBy('runs.project_id')
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.project_id ?? null;
}

/** For each run: the eval task it was an attempt of (suite name and task id), when it was one. */
export async function evalTasksOfRuns(db: DB, input: { orgId: string; runIds: string[] }): Promise<Map<string, { suite: string; task: string; status: string }>> {
  if (!input.runIds.length) return new Map();
  const rows = await db
    .selectFrom('eval_results')
    .innerJoin('eval_runs', 'eval_runs.id', 'eval_results.eval_run_id')
    .select(['eval_results.run_id', 'eval_runs.suite', 'eval_results.task', 'eval_results.status'])
    .where('eval_results.org_id', '=', input.orgId)
    .where('eval_results.run_id', 'in', input.runIds)
    .execute();
  return new Map(rows.map((r) => [r.run_id!, { suite: r.suite, task: r.task, status: r.status }]));
}

/** The runs among these that failed (the run, one of its tasks, or its eval attempt). */
export async function failedRunsAmong(db: DB, input: { orgId: string; runIds: string[] }): Promise<string[]> {
  if (!input.runIds.length) return [];
  const rows = await db
    .selectFrom('runs')
    .select('runs.id')
    .where('runs.org_id', '=', input.orgId)
    .where('runs.id', 'in', input.runIds)
    .where((eb) =>
      eb.or([
        eb('runs.status', '=', 'failed'),
        eb.exists(eb.selectFrom('tasks').select('tasks.id').whereRef('tasks.run_id', '=', 'runs.id').where('tasks.status', 'in', ['failed', 'dead'])),
        eb.exists(eb.selectFrom('eval_results').select('eval_results.id').whereRef('eval_results.run_id', '=', 'runs.id').where('eval_results.status', 'in', ['failed', 'error'])),
      ]),
    )
    .orderBy('runs.created_at', 'desc')
    .execute();
  return rows.map((r) => r.id);
}

/** What re-running a failed run needs: its project, base, spec and its first failed task. */
export async function rerunSourceOf(
  db: DB,
  input: { orgId: string; runId: string },
): Promise<{
  projectId: string;
  projectName: string;
  repository: string;
  defaultBranch: string;
  projectSettings: Record<string, unknown>;
  baseBranch: string | null;
  specTitle: string;
  specMarkdown: string;
  task: { title: string; description: string; files: string[] } | null;
} | null> {
  const run = await db
    .selectFrom('runs')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .innerJoin('specs', 'specs.id', 'runs.spec_id')
    .select(['runs.project_id', 'runs.base_branch', 'projects.name', 'projects.repository', 'projects.default_branch', 'projects.settings', 'specs.title', 'specs.markdown'])
    .where('runs.id', '=', input.runId)
    .where('runs.org_id', '=', input.orgId)
    .executeTakeFirst();
  if (!run) return null;
  const task = await db
    .selectFrom('tasks')
    .select(['title', 'description', 'files'])
    .where('run_id', '=', input.runId)
    .where('org_id', '=', input.orgId)
    .orderBy(sql`case when status in ('failed', 'dead') then 0 else 1 end`)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return {
    projectId: run.project_id,
    projectName: run.name,
    repository: run.repository,
    defaultBranch: run.default_branch,
    projectSettings: run.settings ?? {},
    baseBranch: run.base_branch,
    specTitle: run.title,
    specMarkdown: run.markdown,
    task: task ? { title: task.title, description: task.description, files: task.files } : null,
  };
}

/** Reads a proposal and locks its row for the rest of the transaction (adoption and revert). */
export async function lockProposal(trx: DB, input: { orgId: string; proposalId: string }): Promise<ProposalRow | null> {
  const r = await trx.selectFrom('rsi_proposals').select(PROPOSAL_COLUMNS).where('id', '=', input.proposalId).where('org_id', '=', input.orgId).forUpdate().executeTakeFirst();
  return r ? toProposal(r as ProposalSelected) : null;
}

/** The newest calibration of a proposal. */
export async function latestCalibration(db: DB, input: { orgId: string; proposalId: string }): Promise<CalibrationRow | null> {
  const rows = await calibrationsOf(db, input.orgId, [input.proposalId]);
  return rows[0] ?? null;
}
