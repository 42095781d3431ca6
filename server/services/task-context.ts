import type { DB } from '../db/client';
import type { RunRunner } from '../db/schema';

/** What the task executor reads about a task before it starts: its run, project and spec. */
export type TaskContext = {
  runId: string;
  runner: RunRunner;
  model: string;
  projectId: string;
  repository: string;
  /** The branch the task starts from: a single succeeded dependency's branch, else the run's base. */
  base: string;
  projectSettings: Record<string, unknown>;
  specMarkdown: string;
  specTitle: string;
  /** Key of the task this one remediates, or null. */
  remediationOf: string | null;
};

/**
 * Loads a task's context for the executor, scoped to its organisation.
 * A task that depends on exactly one task whose work is on a branch is stacked on that branch, so
 * it sees the work it builds on (the scheduler path and `nightshift run` alike).
 */
export async function loadTaskContext(db: DB, ids: { orgId: string; runId: string; taskId: string }): Promise<TaskContext> {
  const row = await db
    .selectFrom('tasks')
    .innerJoin('runs', 'runs.id', 'tasks.run_id')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .innerJoin('specs', 'specs.id', 'runs.spec_id')
    .select([
      'runs.id as runId',
      'runs.runner',
      'runs.model',
      'runs.base_branch as baseBranch',
      'projects.id as projectId',
      'projects.repository',
      'projects.default_branch as defaultBranch',
      'projects.settings as projectSettings',
      'specs.markdown as specMarkdown',
      'specs.title as specTitle',
      'tasks.depends_on as dependsOn',
      'tasks.remediation_of as remediationOf',
    ])
    .where('tasks.id', '=', ids.taskId)
    .where('tasks.run_id', '=', ids.runId)
    .where('tasks.org_id', '=', ids.orgId)
    .executeTakeFirstOrThrow();
  const dependsOn = (row.dependsOn as string[] | null) ?? [];
  let base = row.baseBranch ?? row.defaultBranch;
  if (dependsOn.length === 1) {
    const dep = await db
      .selectFrom('tasks')
      .select(['branch', 'status'])
      .where('run_id', '=', ids.runId)
      .where('org_id', '=', ids.orgId)
      .where('key', '=', dependsOn[0])
      .executeTakeFirst();
    if (dep?.status === 'succeeded' && dep.branch) base = dep.branch;
  }
  return {
    runId: row.runId,
    runner: row.runner,
    model: row.model,
    projectId: row.projectId,
    repository: row.repository,
    base,
    projectSettings: (row.projectSettings ?? {}) as Record<string, unknown>,
    specMarkdown: row.specMarkdown,
    specTitle: row.specTitle,
    remediationOf: row.remediationOf,
  };
}

/**
 * Adds the remediation task a finished task's findings call for, in the wave after it. Safe to
 * repeat: a task's remediation is added once (its key is unique in the run).
 */
export async function addRemediationTask(
  db: DB,
  input: { orgId: string; runId: string; wave: number; originKey: string; task: { key: string; title: string; description: string; files: string[]; dependsOn: string[] } },
): Promise<void> {
  await db
    .insertInto('tasks')
    .values({
      org_id: input.orgId,
      run_id: input.runId,
      key: input.task.key,
      title: input.task.title,
      description: input.task.description,
      files: JSON.stringify(input.task.files),
      depends_on: JSON.stringify(input.task.dependsOn),
      wave: input.wave,
      status: 'pending',
      remediation_of: input.originKey,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The id of the pull-request row a task opened on `branch`. */
export async function pullRequestIdForBranch(db: DB, owner: { orgId: string; projectId: string; branch: string }): Promise<string | null> {
  const row = await db
    .selectFrom('pull_requests')
    .select('id')
    .where('org_id', '=', owner.orgId)
    .where('project_id', '=', owner.projectId)
    .where('branch', '=', owner.branch)
    .executeTakeFirst();
  return row?.id ?? null;
}
