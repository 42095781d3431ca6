/**
 * The repository side of one task, start to end:
 *   open:   mirror (registered once, fetched every time) → worktree on the task's branch
 *   finish: commit with the agent's identity + run trailer → push → pull request → remove tree
 * Each step is safe to repeat, so a retried task converges on one branch and one pull request.
 */
import { branchDiff, commitChanges, pushBranch, type AgentIdentity, type CommitResult, type PushResult } from './commit';
import { registerRepository, type Mirror } from './mirror';
import { openOrUpdatePullRequest, type OpenPullRequestResult, type PullRequestStore } from './pull-requests';
import { createWorktree, removeWorktree, type TaskWorktree } from './worktree';
import { LOCAL_REPOSITORY_REFUSED, type RepositorySource } from './local-repo-policy';

export type OpenTaskWorkspaceInput = {
  dataDir: string;
  repoId: string;
  /** Git URL or local path of the repository, checked (server/services/repositories.ts). */
  source: RepositorySource;
  token?: string;
  task: { id: string; slug: string; files?: string[] };
  base?: string;
};

export type TaskWorkspace = { mirror: Mirror; worktree: TaskWorktree };

export async function openTaskWorkspace(input: OpenTaskWorkspaceInput): Promise<TaskWorkspace> {
  const mirror = await registerRepository({ dataDir: input.dataDir, repoId: input.repoId, source: input.source.url, token: input.token }).catch((err: unknown) => {
    // Git's own messages about a local path (missing, not a repository, unreadable) would tell an
    // organisation what exists on the host: it hears the policy's one answer instead.
    if (input.source.grant === 'organization' && input.source.localPath !== null) throw new Error(LOCAL_REPOSITORY_REFUSED, { cause: err });
    throw err;
  });
  const worktree = await createWorktree(mirror, { taskId: input.task.id, taskSlug: input.task.slug, files: input.task.files, base: input.base });
  return { mirror, worktree };
}

export type FinishTaskWorkspaceInput = TaskWorkspace & {
  author: AgentIdentity;
  message: string;
  runId: string;
  token?: string;
  pullRequest: {
    store: PullRequestStore;
    projectId: string;
    title: string;
    /** The verification report. */
    body: string;
    draft?: boolean;
    labels?: string[];
    githubApiUrl?: string;
    githubHost?: string;
  };
};

export type FinishTaskWorkspaceResult = {
  commit: CommitResult;
  push: PushResult;
  /** Absent when the branch has no changes against its base. */
  pullRequest?: OpenPullRequestResult;
};

export async function finishTaskWorkspace(input: FinishTaskWorkspaceInput): Promise<FinishTaskWorkspaceResult> {
  const { mirror, worktree } = input;
  try {
    const commit = await commitChanges({ worktreePath: worktree.path, author: input.author, message: input.message, runId: input.runId });
    const diff = await branchDiff(mirror, worktree.base, worktree.branch);
    if (!diff.trim()) return { commit, push: { pushed: false, reason: 'no changes against the base branch' } };
    const push = await pushBranch(mirror, worktree.branch, { token: input.token });
    const pullRequest = await openOrUpdatePullRequest({
      ...input.pullRequest,
      branch: worktree.branch,
      base: worktree.base,
      diff,
      remoteUrl: mirror.url,
      token: input.token,
    });
    return { commit, push, pullRequest };
  } finally {
    await removeWorktree(mirror, worktree);
  }
}
