/** Repositories: mirrors, task worktrees, commits, pushes and pull requests. */
export { BRANCH_PREFIX, slugify, taskBranchName } from './branch-name';
export { branchDiff, commitChanges, pushBranch, RUN_TRAILER, type AgentIdentity, type CommitResult, type PushResult } from './commit';
export { GitError } from './git';
export { defaultBranch, fetchMirror, mirrorFor, registerRepository, type Mirror, type RegisterOptions } from './mirror';
export {
  InMemoryPullRequestStore,
  openOrUpdatePullRequest,
  parseGitHubRemote,
  type OpenPullRequestInput,
  type OpenPullRequestResult,
  type PullRequestRecord,
  type PullRequestStore,
} from './pull-requests';
export { finishTaskWorkspace, openTaskWorkspace, type TaskWorkspace } from './task-workspace';
export { createWorktree, removeWorktree, worktreeHead, type CreateWorktreeOptions, type TaskWorktree } from './worktree';
