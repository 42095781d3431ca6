import path from 'node:path';
import type { DB } from '../db/client';
import type { TaskStatus } from '../db/schema';
import type { SpecFinding } from '../specs/score';
import { createOrganization } from './orgs';
import { ensureUser } from './users';

/**
 * Runs started by the CLI (`nightshift run`, `nightshift agent`) on the data directory's
 * database: a run like any other (an id, checkpoints, events, pull requests), shown in the web
 * product, driven by the CLI process that made it (`runs.runner = 'cli'`).
 *
 * Where it belongs: the organisation named with `--org SLUG`; else the instance's first
 * organisation (the self-hoster's own — the one the local-repository policy also trusts with local
 * paths); on a database without any, a "Local" organisation owned by `local@nightshift.local`.
 * Within it, one project per repository folder (its real path), named after the folder.
 */
export const LOCAL_ORG_NAME = 'Local';
export const LOCAL_OWNER_EMAIL = 'local@nightshift.local';

export class CliRunError extends Error {}

export async function cliOrganization(db: DB, orgSlug?: string): Promise<{ id: string; slug: string }> {
  if (orgSlug) {
    const org = await db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', orgSlug).executeTakeFirst();
    if (!org) throw new CliRunError(`no organisation with the slug "${orgSlug}" (create one with: nightshift org create --name NAME --owner-email EMAIL)`);
    return org;
  }
  const first = await db.selectFrom('organizations').select(['id', 'slug']).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  if (first) return first;
  const owner = await ensureUser(db, { email: LOCAL_OWNER_EMAIL, name: 'Local CLI' });
  const org = await createOrganization(db, { name: LOCAL_ORG_NAME, ownerId: owner.id });
  return { id: org.id, slug: org.slug };
}

/** The organisation's project for a repository folder (by its real path), created on first use. */
export async function cliProject(db: DB, input: { orgId: string; repoPath: string; defaultBranch: string }): Promise<{ id: string; name: string }> {
  const existing = await db
    .selectFrom('projects')
    .select(['id', 'name'])
    .where('org_id', '=', input.orgId)
    .where('repository', '=', input.repoPath)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (existing) return existing;
  const base = path.basename(input.repoPath) || 'repository';
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const row = await db
      .insertInto('projects')
      .values({ org_id: input.orgId, name, repository: input.repoPath, default_branch: input.defaultBranch })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
      .returning(['id', 'name'])
      .executeTakeFirst();
    if (row) return row;
  }
}

/** The spec's title: its first heading, else its first line. */
function titleOf(markdown: string): string {
  const heading = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim();
  return (heading || markdown.trim().split('\n')[0] || 'CLI run').slice(0, 200);
}

/**
 * Records a CLI run: its spec (accepted, with the score the CLI computed) and the run, signed by
 * the CLI process (`plan_owner`), `planning` until its tasks are added.
 */
export async function createCliRun(
  db: DB,
  input: { orgId: string; projectId: string; markdown: string; title?: string; score: number; findings: SpecFinding[]; model: string; baseBranch: string; owner: string },
): Promise<{ runId: string; specId: string }> {
  return db.transaction().execute(async (trx) => {
    const spec = await trx
      .insertInto('specs')
      .values({
        org_id: input.orgId,
        project_id: input.projectId,
        title: input.title ?? titleOf(input.markdown),
        markdown: input.markdown,
        score: input.score,
        findings: JSON.stringify(input.findings),
        status: 'accepted',
        submitted_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const run = await trx
      .insertInto('runs')
      .values({
        org_id: input.orgId,
        project_id: input.projectId,
        spec_id: spec.id,
        model: input.model,
        runner: 'cli',
        base_branch: input.baseBranch,
        status: 'planning',
        plan_owner: input.owner,
        started_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { runId: run.id, specId: spec.id };
  });
}

export type CliPlannedTask = { id: string; title: string; description: string; files: string[]; dependsOn: string[]; wave: number; remediationOf?: string };

/** Stores the plan's tasks (their waves decided by the planner) and moves the run to `running`. */
export async function addCliPlan(db: DB, input: { orgId: string; runId: string; tasks: CliPlannedTask[]; waves: string[][] }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (input.tasks.length) {
      await trx
        .insertInto('tasks')
        .values(
          input.tasks.map((t) => ({
            org_id: input.orgId,
            run_id: input.runId,
            key: t.id,
            title: t.title,
            description: t.description,
            files: JSON.stringify(t.files),
            depends_on: JSON.stringify(t.dependsOn),
            wave: t.wave,
            remediation_of: t.remediationOf ?? null,
          })),
        )
        .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
        .execute();
    }
    await trx
      .updateTable('runs')
      .set({ status: 'running', plan: JSON.stringify({ waves: input.waves }), updated_at: new Date() })
      .where('id', '=', input.runId)
      .where('org_id', '=', input.orgId)
      .where('status', '=', 'planning')
      .execute();
  });
}

export type CliRun = {
  id: string;
  orgId: string;
  projectId: string;
  repository: string;
  status: string;
  model: string;
  baseBranch: string;
  specMarkdown: string;
  specScore: number;
  taskCount: number;
};

/**
 * A CLI run to resume: by id, or `last` — the newest CLI run of this repository folder (any
 * organisation).
 */
export async function findCliRun(db: DB, input: { runId: string | 'last'; repoPath: string }): Promise<CliRun | null> {
  let q = db
    .selectFrom('runs')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .innerJoin('specs', 'specs.id', 'runs.spec_id')
    .select((eb) => [
      'runs.id',
      'runs.org_id as orgId',
      'runs.project_id as projectId',
      'projects.repository',
      'runs.status',
      'runs.model',
      'runs.base_branch as baseBranch',
      'projects.default_branch as defaultBranch',
      'specs.markdown as specMarkdown',
      'specs.score as specScore',
      eb.selectFrom('tasks').select(eb.fn.countAll<string>().as('n')).whereRef('tasks.run_id', '=', 'runs.id').as('taskCount'),
    ])
    .where('runs.runner', '=', 'cli')
    .where('projects.repository', '=', input.repoPath);
  if (input.runId !== 'last') q = q.where('runs.id', '=', input.runId);
  const row = await q.orderBy('runs.created_at', 'desc').limit(1).executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    orgId: row.orgId,
    projectId: row.projectId,
    repository: row.repository,
    status: row.status,
    model: row.model,
    baseBranch: row.baseBranch ?? row.defaultBranch,
    specMarkdown: row.specMarkdown,
    specScore: row.specScore,
    taskCount: Number(row.taskCount ?? 0),
  };
}

export type CliTaskRow = {
  id: string;
  key: string;
  title: string;
  wave: number;
  status: TaskStatus;
  dependsOn: string[];
  branch: string | null;
  error: string | null;
  remediationOf: string | null;
  output: Record<string, unknown> | null;
  costUsd: number;
};

/** A CLI run's tasks in plan order (wave, then creation). */
export async function cliRunTasks(db: DB, runId: string): Promise<CliTaskRow[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['id', 'key', 'title', 'wave', 'status', 'depends_on', 'branch', 'error', 'remediation_of', 'result'])
    .where('run_id', '=', runId)
    .orderBy('wave')
    .orderBy('created_at')
    .orderBy('key')
    .execute();
  return rows.map((r) => {
    const result = (r.result ?? null) as { output?: Record<string, unknown> | null; usage?: { costUsd?: number } | null } | null;
    return {
      id: r.id,
      key: r.key,
      title: r.title,
      wave: r.wave,
      status: r.status,
      dependsOn: (r.depends_on as string[] | null) ?? [],
      branch: r.branch,
      error: r.error,
      remediationOf: r.remediation_of,
      output: result?.output ?? null,
      costUsd: result?.usage?.costUsd ?? 0,
    };
  });
}

/** A task of a CLI run that will not run because a task it depends on did not succeed. */
export async function skipCliTask(db: DB, taskId: string, reason: string): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ status: 'cancelled', error: reason, finished_at: new Date(), updated_at: new Date() })
    .where('id', '=', taskId)
    .where('status', 'in', ['pending', 'blocked', 'queued'])
    .execute();
}

/** The pull requests of a run, in the order they were opened. */
export async function cliRunPullRequests(db: DB, runId: string) {
  return db
    .selectFrom('pull_requests')
    .select(['task_id as taskId', 'branch', 'title', 'url', 'body'])
    .where('run_id', '=', runId)
    .orderBy('created_at')
    .execute();
}

/** Ends a CLI run (its process settles it when the waves are done or it was cancelled). */
export async function finishCliRun(db: DB, input: { runId: string; status: 'succeeded' | 'failed' | 'cancelled'; error?: string }): Promise<void> {
  await db
    .updateTable('runs')
    .set({ status: input.status, error: input.error ?? null, finished_at: new Date(), updated_at: new Date(), plan_owner: null })
    .where('id', '=', input.runId)
    .where('status', 'in', ['planning', 'running'])
    .execute();
}

/** The run's failure when planning failed or the spec was refused at resume. */
export async function failCliRun(db: DB, runId: string, error: string): Promise<void> {
  await finishCliRun(db, { runId, status: 'failed', error });
}

/** Adds spend that no task carries (the planner's) to the run's cost. */
export async function addCliRunCost(db: DB, runId: string, costUsd: number): Promise<void> {
  if (!costUsd) return;
  await db.updateTable('runs').set((eb) => ({ cost_usd: eb('cost_usd', '+', costUsd), updated_at: new Date() })).where('id', '=', runId).execute();
}

/** What the run has cost so far: its tasks and its planner. */
export async function cliRunCost(db: DB, runId: string): Promise<number> {
  const row = await db.selectFrom('runs').select('cost_usd').where('id', '=', runId).executeTakeFirst();
  return Number(row?.cost_usd ?? 0);
}

/** The tokens and cost a task recorded when it ended. */
export async function cliTaskUsage(db: DB, taskId: string): Promise<{ inputTokens: number; outputTokens: number; costUsd: number }> {
  const row = await db.selectFrom('tasks').select('result').where('id', '=', taskId).executeTakeFirst();
  const u = (row?.result as { usage?: { inputTokens?: number; outputTokens?: number; costUsd?: number } | null } | null)?.usage;
  return { inputTokens: u?.inputTokens ?? 0, outputTokens: u?.outputTokens ?? 0, costUsd: Math.round((u?.costUsd ?? 0) * 1e6) / 1e6 };
}

export async function cliRunStatus(db: DB, runId: string): Promise<string | null> {
  const row = await db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst();
  return row?.status ?? null;
}
