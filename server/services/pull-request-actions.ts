/**
 * What a member can do with a pull request from its page: merge it into the base branch of the
 * team's local repository (a real git merge there, refused cleanly on a conflict), close it
 * (on GitHub through the API, or the local record), reopen a closed local one.
 */
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { githubTokenFor } from '../github/github-auth';
import { mergeIntoLocalBase } from '../repos/local-merge';
import { localSourcePath } from '../repos/local-repo-policy';
import { closeOnGitHub } from '../repos/pull-requests';
import { requireRole } from './orgs';
import { repositorySourceFor } from './repositories';
import type { OrgScope } from './scope';

async function pullWithProject(db: DB, scope: OrgScope, pullRequestId: string) {
  const row = await db
    .selectFrom('pull_requests')
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'pull_requests.project_id').on('projects.org_id', '=', scope.orgId))
    .select([
      'pull_requests.id',
      'pull_requests.project_id as projectId',
      'pull_requests.run_id as runId',
      'pull_requests.branch',
      'pull_requests.base',
      'pull_requests.title',
      'pull_requests.state',
      'pull_requests.provider',
      'pull_requests.number',
      'projects.repository',
    ])
    .where('pull_requests.org_id', '=', scope.orgId)
    .where('pull_requests.id', '=', pullRequestId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Pull request not found');
  return row;
}

async function setState(db: DB, scope: OrgScope, id: string, from: Array<'open' | 'closed'>, to: 'open' | 'closed' | 'merged') {
  const r = await db
    .updateTable('pull_requests')
    .set({ state: to, updated_at: new Date() })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', id)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type MergeOutcome = { state: 'merged'; sha: string; base: string; path: string; alreadyMerged: boolean };

/**
 * Merges a local pull request's branch into its base branch in the project's repository, as the
 * member who asked (author and committer). A conflict, a moved base or a checkout with
 * uncommitted changes is refused with the reason and nothing is changed.
 */
export async function mergePullRequest(db: DB, scope: OrgScope, input: { pullRequestId: string }): Promise<MergeOutcome> {
  requireRole(scope, 'member');
  const pr = await pullWithProject(db, scope, input.pullRequestId);
  if (pr.state !== 'open') throw new AppError('CONFLICT', `This pull request is ${pr.state}; only an open one can be merged.`);
  if (pr.provider === 'github') throw new AppError('BAD_REQUEST', 'This pull request is on GitHub: merge it there (Open on GitHub), where its checks and reviews are.');
  if (localSourcePath(pr.repository) === null) {
    throw new AppError('BAD_REQUEST', `The branch was pushed to ${pr.repository}; merge it there. Nightshift merges only into repositories on this server.`);
  }
  const { localPath } = await repositorySourceFor(db, { orgId: scope.orgId, projectId: pr.projectId, repository: pr.repository });
  if (!localPath) throw new AppError('BAD_REQUEST', 'This repository is not on this server; merge the branch where it lives.');
  const user = scope.userId ? await db.selectFrom('users').select(['name', 'email']).where('id', '=', scope.userId).executeTakeFirst() : undefined;
  const author = user ? { name: user.name || user.email, email: user.email } : { name: 'Nightshift', email: 'nightshift@localhost' };
  const result = await mergeIntoLocalBase({
    repoPath: localPath,
    branch: pr.branch,
    base: pr.base,
    author,
    message: `Merge ${pr.branch}: ${pr.title}\n\nMerged from its Nightshift pull request${pr.runId ? `\n\nNightshift-Run: ${pr.runId}` : ''}`,
  });
  if (!result.merged) throw new AppError('CONFLICT', result.message);
  // The branch is in the base now, whatever happened to the record meanwhile.
  await setState(db, scope, pr.id, ['open', 'closed'], 'merged');
  return { state: 'merged', sha: result.sha, base: result.base, path: localPath, alreadyMerged: result.alreadyMerged };
}

/** Closes a pull request without merging: on GitHub through its API (with the organisation's token), otherwise the local record. The branch stays. */
export async function closePullRequest(db: DB, scope: OrgScope, input: { pullRequestId: string }): Promise<{ state: 'closed' }> {
  requireRole(scope, 'member');
  const pr = await pullWithProject(db, scope, input.pullRequestId);
  if (pr.state !== 'open') throw new AppError('CONFLICT', `This pull request is already ${pr.state}.`);
  if (pr.provider === 'github' && pr.number !== null) {
    const github = await githubTokenFor(db, scope.orgId);
    try {
      await closeOnGitHub({ remoteUrl: pr.repository, number: pr.number, token: github.token, githubApiUrl: github.apiUrl, githubHost: github.host });
    } catch (err) {
      throw new AppError('BAD_REQUEST', (err as Error).message);
    }
  }
  if (!(await setState(db, scope, pr.id, ['open'], 'closed'))) throw new AppError('CONFLICT', 'This pull request changed meanwhile; reload the page.');
  return { state: 'closed' };
}

/** Reopens a closed local pull request (a GitHub one is reopened on GitHub). */
export async function reopenPullRequest(db: DB, scope: OrgScope, input: { pullRequestId: string }): Promise<{ state: 'open' }> {
  requireRole(scope, 'member');
  const pr = await pullWithProject(db, scope, input.pullRequestId);
  if (pr.state !== 'closed') throw new AppError('CONFLICT', `This pull request is ${pr.state}; only a closed one can be reopened.`);
  if (pr.provider === 'github') throw new AppError('BAD_REQUEST', 'Reopen it on GitHub.');
  if (!(await setState(db, scope, pr.id, ['closed'], 'open'))) throw new AppError('CONFLICT', 'This pull request changed meanwhile; reload the page.');
  return { state: 'open' };
}
