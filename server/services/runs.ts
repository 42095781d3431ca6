import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { RunStatus, TaskStatus } from '../db/schema';
import { AppError } from '../errors/app-error';
import { findPrice } from '../llm/pricing';
import { orgModelName } from './agent-settings';
import { parseContractRegistry, type ContractFile } from '../planner/contracts';
import { forecastPlan, type PlanForecast, type TaskHistory } from '../planner/forecast';
import type { PlanTask } from '../planner/types';
import { validatePlan, type SubmittedTask } from '../planner/validate-plan';
import { notifyRunCancel, notifyTaskReady } from './pg-channels';
import { requireRole } from './orgs';
import { repositorySourceFor } from './repositories';
import type { OrgScope } from './scope';

/** Finished tasks of the organisation the forecast learns from (most recent first). */
export const FORECAST_HISTORY_LIMIT = 200;
export const MAX_TASKS_PER_RUN = 2_000;

const RUN_COLUMNS = [
  'id',
  'org_id as orgId',
  'project_id as projectId',
  'spec_id as specId',
  'status',
  'model',
  'plan',
  'forecast',
  'input_tokens as inputTokens',
  'output_tokens as outputTokens',
  'cost_usd as costUsd',
  'error',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
] as const;

type ProjectRow = { id: string; repository: string; settings: Record<string, unknown> };

async function acceptedSpec(db: DB, scope: OrgScope, specId: string) {
  const spec = await db
    .selectFrom('specs')
    .innerJoin('projects', 'projects.id', 'specs.project_id')
    .select(['specs.id', 'specs.project_id', 'specs.status', 'projects.repository', 'projects.settings'])
    .where('specs.org_id', '=', scope.orgId)
    .where('specs.id', '=', specId)
    .executeTakeFirst();
  if (!spec) throw new AppError('NOT_FOUND', 'Spec not found');
  if (spec.status !== 'accepted') throw new AppError('BAD_REQUEST', `Only an accepted spec can be run; this one is ${spec.status}. Submit it first.`);
  return { specId: spec.id, project: { id: spec.project_id, repository: spec.repository, settings: (spec.settings ?? {}) as Record<string, unknown> } };
}

/** Contracts registered on the project (settings.contracts); an invalid registry is reported, not fatal. */
function projectContracts(project: ProjectRow): { contracts: ContractFile[]; warnings: string[] } {
  if (!project.settings.contracts) return { contracts: [], warnings: [] };
  const parsed = parseContractRegistry(project.settings.contracts);
  return parsed.ok ? { contracts: parsed.contracts, warnings: [] } : { contracts: [], warnings: parsed.errors.map((e) => `contracts ignored: ${e}`) };
}

async function history(db: DB, orgId: string): Promise<TaskHistory[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['files', 'result'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'succeeded')
    .orderBy('finished_at', 'desc')
    .limit(FORECAST_HISTORY_LIMIT)
    .execute();
  const out: TaskHistory[] = [];
  for (const r of rows) {
    const usage = (r.result as { usage?: { inputTokens?: number; outputTokens?: number } } | null)?.usage;
    if (usage?.inputTokens === undefined || usage.outputTokens === undefined) continue;
    out.push({ files: (r.files as string[]).length, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
  }
  return out;
}

function validTasks(tasks: unknown): SubmittedTask[] {
  if (Array.isArray(tasks) && tasks.length > MAX_TASKS_PER_RUN) throw new AppError('BAD_REQUEST', `A run holds at most ${MAX_TASKS_PER_RUN} tasks; split the spec`);
  const v = validatePlan({ tasks });
  if (!v.ok) throw new AppError('BAD_REQUEST', `The task list is not a valid plan:\n- ${v.errors.join('\n- ')}`);
  return v.tasks;
}

async function forecast(db: DB, orgId: string, project: ProjectRow, tasks: SubmittedTask[], model: string): Promise<Extract<PlanForecast, { ok: true }>> {
  const { contracts, warnings } = projectContracts(project);
  const price = findPrice(model);
  // Imports are read from the checkout when the project is a local repository on this host (one
  // this organisation may read: the same check as every other reader of the repository).
  const { localPath } = await repositorySourceFor(db, { orgId, projectId: project.id, repository: project.repository });
  const repoDir = localPath ?? undefined;
  const result = await forecastPlan(tasks as PlanTask[], {
    model,
    prices: price ? { [model]: { input: price.input, output: price.output } } : {},
    history: await history(db, orgId),
    contracts,
    repoDir,
  });
  if (!result.ok) throw new AppError('BAD_REQUEST', `The plan cannot be scheduled: ${result.error.message}`);
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

/** The plan preview before spending: waves, predicted conflicts, estimated tokens and cost per task. */
export async function previewRun(db: DB, scope: OrgScope, input: { specId: string; tasks: unknown; model?: string }) {
  const { project } = await acceptedSpec(db, scope, input.specId);
  const tasks = validTasks(input.tasks);
  return forecast(db, scope.orgId, project, tasks, await orgModelName(db, scope.orgId, { explicit: input.model }));
}

/**
 * Creates a run of an accepted spec from a task list (a Spec Kit import, the API, later the
 * planner agent): validated, planned into waves, forecast, stored with its tasks. It waits in
 * `queued` until started, so the preview can be read before any token is spent.
 */
export async function createRun(db: DB, scope: OrgScope, input: { specId: string; tasks: unknown; model?: string; doneTasks?: string[] }) {
  requireRole(scope, 'member');
  const { specId, project } = await acceptedSpec(db, scope, input.specId);
  const tasks = validTasks(input.tasks);
  const model = await orgModelName(db, scope.orgId, { explicit: input.model });
  const preview = await forecast(db, scope.orgId, project, tasks, model);
  const waveOf = new Map(preview.tasks.map((t) => [t.id, t.wave]));
  const waitForMerge = new Map<string, string[]>();
  for (const e of preview.edges) {
    if (!e.blockedUntilMerged) continue;
    waitForMerge.set(e.task, [...(waitForMerge.get(e.task) ?? []), e.dependsOn]);
  }
  return db.transaction().execute(async (trx) => {
    const run = await trx
      .insertInto('runs')
      .values({
        org_id: scope.orgId,
        project_id: project.id,
        spec_id: specId,
        model,
        plan: JSON.stringify({ waves: preview.waves, edges: preview.edges, conflicts: preview.conflicts, ...(input.doneTasks?.length ? { done: input.doneTasks } : {}) }),
        forecast: JSON.stringify({ tasks: preview.tasks, totals: preview.totals, warnings: preview.warnings }),
        created_by: scope.userId,
      })
      .returning(RUN_COLUMNS)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('tasks')
      .values(
        tasks.map((t) => ({
          org_id: scope.orgId,
          run_id: run.id,
          key: t.id,
          title: t.title,
          description: t.description,
          files: JSON.stringify(t.files),
          depends_on: JSON.stringify(t.dependsOn),
          wait_for_merge: JSON.stringify(waitForMerge.get(t.id) ?? []),
          repo: t.repo ?? null,
          wave: waveOf.get(t.id) ?? 0,
        })),
      )
      .execute();
    return { run, preview };
  });
}

/**
 * Starts a run: it moves to `planning` and a scheduler sends its plan-run job on its next tick (a
 * transactional outbox: the request never talks to the queue, so a crash cannot lose the start).
 */
export async function startRun(db: DB, scope: OrgScope, input: { runId: string }) {
  requireRole(scope, 'member');
  const row = await db
    .updateTable('runs')
    .set({ status: 'planning', plan_job_id: null, updated_at: new Date() })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.runId)
    .where('status', '=', 'queued')
    .returning(RUN_COLUMNS)
    .executeTakeFirst();
  if (!row) {
    const run = await getRunRow(db, scope, input.runId);
    throw new AppError('CONFLICT', `This run is already ${run.status}; only a queued run can be started`);
  }
  await notifyTaskReady(db);
  return row;
}

/** Cancels a run: waiting tasks never start; running ones are told to stop (NOTIFY + lease check). */
export async function cancelRun(db: DB, scope: OrgScope, input: { runId: string }) {
  requireRole(scope, 'member');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('runs')
      .set({ status: 'cancelled', error: 'cancelled', finished_at: new Date(), updated_at: new Date() })
      .where('org_id', '=', scope.orgId)
      .where('id', '=', input.runId)
      .where('status', 'in', ['queued', 'planning', 'running'])
      .returning(RUN_COLUMNS)
      .executeTakeFirst();
    if (!row) {
      const run = await getRunRow(trx, scope, input.runId);
      throw new AppError('CONFLICT', `This run is already ${run.status}`);
    }
    await trx
      .updateTable('tasks')
      .set({ status: 'cancelled', error: 'run cancelled', finished_at: new Date(), updated_at: new Date() })
      .where('org_id', '=', scope.orgId)
      .where('run_id', '=', input.runId)
      .where('status', 'in', ['pending', 'blocked', 'queued'])
      .execute();
    await notifyRunCancel(trx, input.runId);
    return row;
  });
}

async function getRunRow(db: DB, scope: OrgScope, runId: string) {
  const row = await db.selectFrom('runs').select(RUN_COLUMNS).where('org_id', '=', scope.orgId).where('id', '=', runId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Run not found');
  return row;
}

/** What a run is called where people see it: its spec's title and its project's name. */
async function runNames(db: DB, scope: OrgScope, run: { specId: string | null; projectId: string }) {
  const project = await db.selectFrom('projects').select(['name', 'repository']).where('org_id', '=', scope.orgId).where('id', '=', run.projectId).executeTakeFirst();
  const spec = run.specId ? await db.selectFrom('specs').select('title').where('org_id', '=', scope.orgId).where('id', '=', run.specId).executeTakeFirst() : undefined;
  return { specTitle: spec?.title ?? null, projectName: project?.name ?? null, repository: project?.repository ?? null };
}

/** A run with its spec's title, its project's name, its tasks grouped per wave and a count per status. */
export async function getRun(db: DB, scope: OrgScope, runId: string) {
  const run = await getRunRow(db, scope, runId);
  const names = await runNames(db, scope, run);
  const tasks = await db
    .selectFrom('tasks')
    .select([
      'id',
      'key',
      'title',
      'description',
      'files',
      'depends_on as dependsOn',
      'wait_for_merge as waitForMerge',
      'repo',
      'wave',
      'status',
      'attempts',
      'failures',
      'error',
      'branch',
      'commit_sha as commitSha',
      'queued_at as queuedAt',
      'started_at as startedAt',
      'finished_at as finishedAt',
      'landed_at as landedAt',
    ])
    .where('org_id', '=', scope.orgId)
    .where('run_id', '=', runId)
    .orderBy('wave')
    .orderBy('key')
    .execute();
  const waves: Array<typeof tasks> = [];
  for (const t of tasks) (waves[t.wave] ??= []).push(t);
  const counts: Partial<Record<TaskStatus, number>> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return { ...run, ...names, waves: waves.map((w) => w ?? []), counts };
}

/** Runs listed with what names them (spec title, project name) and their tasks' progress, newest first. */
export async function listRuns(db: DB, scope: OrgScope, input: { projectId?: string; specId?: string; status?: RunStatus; limit?: number } = {}) {
  return db
    .selectFrom('runs')
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'runs.project_id').on('projects.org_id', '=', scope.orgId))
    .leftJoin('specs', (j) => j.onRef('specs.id', '=', 'runs.spec_id').on('specs.org_id', '=', scope.orgId))
    .select([
      'runs.id',
      'runs.project_id as projectId',
      'runs.spec_id as specId',
      'runs.status',
      'runs.model',
      'runs.cost_usd as costUsd',
      sql<number>`(runs.input_tokens + runs.output_tokens)::float`.as('tokens'),
      'runs.error',
      'runs.created_at as createdAt',
      'runs.started_at as startedAt',
      'runs.finished_at as finishedAt',
      'projects.name as projectName',
      'specs.title as specTitle',
      sql<number>`(select count(*)::int from tasks t where t.org_id = runs.org_id and t.run_id = runs.id)`.as('tasks'),
      sql<number>`(select count(*)::int from tasks t where t.org_id = runs.org_id and t.run_id = runs.id and t.status = 'succeeded')`.as('tasksSucceeded'),
    ])
    .where('runs.org_id', '=', scope.orgId)
    .$if(Boolean(input.projectId), (q) => q.where('runs.project_id', '=', input.projectId!))
    .$if(Boolean(input.specId), (q) => q.where('runs.spec_id', '=', input.specId!))
    .$if(Boolean(input.status), (q) => q.where('runs.status', '=', input.status!))
    .orderBy('runs.created_at', 'desc')
    .limit(Math.min(Math.max(input.limit ?? 200, 1), 200))
    .execute();
}

/**
 * The organisation of a run the user may watch now: the run's owning row joined with the user's
 * current membership; null when the run does not exist or belongs to another organisation.
 */
export async function runOrgForMember(db: DB, input: { runId: string; userId: string }): Promise<string | null> {
  const row = await db
    .selectFrom('runs')
    .innerJoin('memberships', (j) => j.onRef('memberships.org_id', '=', 'runs.org_id').on('memberships.user_id', '=', input.userId))
    .select('runs.org_id')
    .where('runs.id', '=', input.runId)
    .executeTakeFirst();
  return row?.org_id ?? null;
}
