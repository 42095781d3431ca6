import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import type { PullRequestRecord, PullRequestStore } from '../repos/pull-requests';
import { notifyTaskReady } from './pg-channels';
import type { OrgScope } from './scope';

type Row = {
  project_id: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: unknown;
  provider: string;
  state: 'open' | 'closed' | 'merged';
  number: number | null;
  url: string | null;
  diff: string | null;
  created_at: Date;
  updated_at: Date;
};

function toRecord(r: Row): PullRequestRecord {
  return {
    projectId: r.project_id,
    branch: r.branch,
    base: r.base,
    title: r.title,
    body: r.body,
    draft: r.draft,
    labels: Array.isArray(r.labels) ? (r.labels as string[]) : [],
    provider: r.provider === 'github' ? 'github' : 'local',
    state: r.state,
    ...(r.number !== null ? { number: r.number } : {}),
    ...(r.url !== null ? { url: r.url } : {}),
    ...(r.diff !== null ? { diff: r.diff } : {}),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * The workspaces engine's PullRequestStore on Postgres, for one organisation (and the run/task
 * that produced the branch). Recording a task's pull request marks the task as landed, which
 * releases tasks that wait on it through a contract edge; a NOTIFY makes the scheduler look now.
 */
export function createPullRequestStore(db: DB, owner: { orgId: string; runId?: string; taskId?: string }): PullRequestStore {
  return {
    async findByBranch(projectId, branch) {
      const row = await db
        .selectFrom('pull_requests')
        .selectAll()
        .where('org_id', '=', owner.orgId)
        .where('project_id', '=', projectId)
        .where('branch', '=', branch)
        .executeTakeFirst();
      return row ? toRecord(row as unknown as Row) : undefined;
    },
    async upsert(record) {
      const project = await db.selectFrom('projects').select('id').where('org_id', '=', owner.orgId).where('id', '=', record.projectId).executeTakeFirst();
      if (!project) throw new AppError('NOT_FOUND', 'Project not found');
      const values = {
        base: record.base,
        title: record.title,
        body: record.body,
        diff: record.diff ?? null,
        url: record.url ?? null,
        number: record.number ?? null,
        state: record.state,
        draft: record.draft,
        labels: JSON.stringify(record.labels),
        provider: record.provider,
        updated_at: new Date(),
      };
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('pull_requests')
          .values({
            ...values,
            org_id: owner.orgId,
            project_id: record.projectId,
            run_id: owner.runId ?? null,
            task_id: owner.taskId ?? null,
            branch: record.branch,
            created_at: record.createdAt,
          })
          .onConflict((oc) => oc.columns(['project_id', 'branch']).doUpdateSet(values).where('pull_requests.org_id', '=', owner.orgId))
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new AppError('CONFLICT', `Branch "${record.branch}" already has a pull request in another organization`);
        if (owner.taskId) {
          const landed = await trx
            .updateTable('tasks')
            .set({ landed_at: new Date(), updated_at: new Date() })
            .where('org_id', '=', owner.orgId)
            .where('id', '=', owner.taskId)
            .where('landed_at', 'is', null)
            .executeTakeFirst();
          if (landed.numUpdatedRows) await notifyTaskReady(trx);
        }
        return toRecord(row as unknown as Row);
      });
    },
  };
}

const LIST_COLUMNS = ['id', 'project_id as projectId', 'run_id as runId', 'task_id as taskId', 'branch', 'base', 'title', 'url', 'number', 'state', 'draft', 'provider', 'created_at as createdAt', 'updated_at as updatedAt'] as const;

export async function listPullRequests(db: DB, scope: OrgScope, input: { projectId?: string; runId?: string } = {}) {
  return db
    .selectFrom('pull_requests')
    .select(LIST_COLUMNS)
    .where('org_id', '=', scope.orgId)
    .$if(Boolean(input.projectId), (q) => q.where('project_id', '=', input.projectId!))
    .$if(Boolean(input.runId), (q) => q.where('run_id', '=', input.runId!))
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
}

export async function getPullRequest(db: DB, scope: OrgScope, pullRequestId: string) {
  const row = await db
    .selectFrom('pull_requests')
    .select([...LIST_COLUMNS, 'body', 'diff', 'labels'])
    .where('org_id', '=', scope.orgId)
    .where('id', '=', pullRequestId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Pull request not found');
  return row;
}
