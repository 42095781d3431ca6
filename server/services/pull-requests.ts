import type { SelectQueryBuilder } from 'kysely';
import type { DB } from '../db/client';
import type { Database } from '../db/schema';
import { AppError } from '../errors/app-error';
import { summariseReport } from '../pipeline/report-summary';
import { localBranchState } from '../repos/local-merge';
import { localSourcePath } from '../repos/local-repo-policy';
import type { PullRequestRecord, PullRequestStore } from '../repos/pull-requests';
import { notifyTaskReady } from './pg-channels';
import { repositorySourceFor } from './repositories';
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

const LIST_COLUMNS = [
  'pull_requests.id',
  'pull_requests.project_id as projectId',
  'pull_requests.run_id as runId',
  'pull_requests.task_id as taskId',
  'pull_requests.branch',
  'pull_requests.base',
  'pull_requests.title',
  'pull_requests.url',
  'pull_requests.number',
  'pull_requests.state',
  'pull_requests.draft',
  'pull_requests.provider',
  'pull_requests.created_at as createdAt',
  'pull_requests.updated_at as updatedAt',
  'projects.name as projectName',
  'specs.title as specTitle',
] as const;

/** The report's verdict as the lists show it: approved or not, and how many criteria have no evidence. */
export type PullVerdict = { status: string | null; capHit: boolean; criteria: number; withoutEvidence: number };

/** The report down to its acceptance criteria (the verdict is read from there; the rest can be long). */
function reportHead(body: string): string {
  const heading = /^#{2,3} Acceptance criteria[ \t]*$/m.exec(body);
  if (!heading) return body.slice(0, 4000);
  const after = heading.index + heading[0].length;
  const next = body.slice(after).search(/^#{2,3} /m);
  return next < 0 ? body : body.slice(0, after + next);
}

export function pullVerdict(body: string): PullVerdict {
  const s = summariseReport(reportHead(body));
  return { status: s.status, capHit: s.capHit, criteria: s.criteria.length, withoutEvidence: s.withoutEvidence.length };
}

function withNames<QB extends SelectQueryBuilder<Database, 'pull_requests', object>>(q: QB, orgId: string) {
  return q
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'pull_requests.project_id').on('projects.org_id', '=', orgId))
    .leftJoin('runs', (j) => j.onRef('runs.id', '=', 'pull_requests.run_id').on('runs.org_id', '=', orgId))
    .leftJoin('specs', (j) => j.onRef('specs.id', '=', 'runs.spec_id').on('specs.org_id', '=', orgId));
}

/** Pull requests of the organisation (optionally of one project or run), newest first, with project, spec and verdict. */
export async function listPullRequests(db: DB, scope: OrgScope, input: { projectId?: string; runId?: string } = {}) {
  const rows = await withNames(db.selectFrom('pull_requests'), scope.orgId)
    .select([...LIST_COLUMNS, 'pull_requests.body'])
    .where('pull_requests.org_id', '=', scope.orgId)
    .$if(Boolean(input.projectId), (q) => q.where('pull_requests.project_id', '=', input.projectId!))
    .$if(Boolean(input.runId), (q) => q.where('pull_requests.run_id', '=', input.runId!))
    .orderBy('pull_requests.created_at', 'desc')
    .limit(200)
    .execute();
  return rows.map(({ body, ...row }) => ({ ...row, verdict: pullVerdict(body) }));
}

/**
 * Where a pull request's branch is: on GitHub; in the team's local repository (checked now: is
 * the branch there, at which commit, merged into the base yet); or pushed to another remote.
 */
export type PullLocation =
  | { kind: 'github'; url: string | null }
  | { kind: 'local'; path: string; branchSha: string | null; merged: boolean }
  | { kind: 'local-unavailable'; message: string }
  | { kind: 'remote'; url: string };

async function locate(db: DB, scope: OrgScope, pr: { provider: string; url: string | null; branch: string; base: string }, repository: string): Promise<PullLocation> {
  if (pr.provider === 'github') return { kind: 'github', url: pr.url };
  if (localSourcePath(repository) === null) return { kind: 'remote', url: repository };
  let localPath: string | null;
  try {
    // Checked as every reader checks it (no projectId: reading a page records nothing).
    ({ localPath } = await repositorySourceFor(db, { orgId: scope.orgId, repository }));
  } catch (err) {
    return { kind: 'local-unavailable', message: err instanceof AppError ? err.message : 'The repository cannot be read.' };
  }
  if (!localPath) return { kind: 'remote', url: repository };
  try {
    const state = await localBranchState(localPath, pr.branch, pr.base);
    return { kind: 'local', path: localPath, branchSha: state.sha, merged: state.merged };
  } catch {
    return { kind: 'local-unavailable', message: `${localPath} could not be read as a git repository.` };
  }
}

/** One pull request with its report (and the report's reading), diff, project, spec and where its branch is. */
export async function getPullRequest(db: DB, scope: OrgScope, pullRequestId: string) {
  const row = await withNames(db.selectFrom('pull_requests'), scope.orgId)
    .select([...LIST_COLUMNS, 'pull_requests.body', 'pull_requests.diff', 'pull_requests.labels', 'projects.repository'])
    .where('pull_requests.org_id', '=', scope.orgId)
    .where('pull_requests.id', '=', pullRequestId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Pull request not found');
  const { repository, ...pr } = row;
  return { ...pr, report: summariseReport(pr.body), location: await locate(db, scope, pr, repository) };
}
