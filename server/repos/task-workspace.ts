/**
 * The repository side of one task, start to end:
 *   open:   mirror (registered once, fetched every time) → worktree on the task's branch, or — on
 *           resume — at the commit the last checkpoint recorded (fetched from the task's ref when
 *           this host's mirror lacks it)
 *   save:   at every checkpoint, a WIP commit on the task branch, pushed to the task's ref
 *           `refs/nightshift/tasks/<task id>` upstream so any host can resume from it
 *   finish: WIP commits squashed into one commit with the agent's identity + run trailer → push →
 *           pull request → remove tree
 * Each step is safe to repeat, so a retried task converges on one branch and one pull request.
 */
import { branchDiff, commitChanges, pushBranch, type AgentIdentity, type CommitResult, type PushResult } from './commit';
import { git, tokenConfig } from './git';
import { withLock } from './lock';
import { registerRepository, type Mirror } from './mirror';
import { openOrUpdatePullRequest, type OpenPullRequestResult, type PullRequestStore } from './pull-requests';
import { readRef } from './refs';
import { assertRemoteAllowed } from './remote-policy';
import { createWorktree, removeWorktree, type TaskWorktree } from './worktree';
import { LOCAL_REPOSITORY_REFUSED, type RepositorySource } from './local-repo-policy';

/** Where a task's checkpoint commits are kept, in the mirror and upstream. */
export const TASK_REF_PREFIX = 'refs/nightshift/tasks/';

export function taskRef(taskId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(taskId)) throw new Error(`task id "${taskId}" cannot name a git ref`);
  return `${TASK_REF_PREFIX}${taskId}`;
}

export type OpenTaskWorkspaceInput = {
  dataDir: string;
  repoId: string;
  /** Git URL or local path of the repository, checked (server/services/repositories.ts). */
  source: RepositorySource;
  token?: string;
  task: { id: string; slug: string; files?: string[] };
  base?: string;
  /** Resume at this commit (the last checkpoint's), fetched from the task's ref if needed. */
  at?: string;
};

export type TaskWorkspace = { mirror: Mirror; worktree: TaskWorktree };

export async function openTaskWorkspace(input: OpenTaskWorkspaceInput): Promise<TaskWorkspace> {
  const mirror = await registerRepository({ dataDir: input.dataDir, repoId: input.repoId, source: input.source.url, token: input.token }).catch((err: unknown) => {
    // Git's own messages about a local path (missing, not a repository, unreadable) would tell an
    // organisation what exists on the host: it hears the policy's one answer instead.
    if (input.source.grant === 'organization' && input.source.localPath !== null) throw new Error(LOCAL_REPOSITORY_REFUSED, { cause: err });
    throw err;
  });
  if (input.at) await fetchTaskCommit(mirror, input.task.id, input.at, input.token);
  const worktree = await createWorktree(mirror, { taskId: input.task.id, taskSlug: input.task.slug, files: input.task.files, base: input.base, at: input.at });
  return { mirror, worktree };
}

async function hasCommit(mirror: Mirror, sha: string): Promise<boolean> {
  return git(['cat-file', '-e', `${sha}^{commit}`], { cwd: mirror.path }).then(
    () => true,
    () => false,
  );
}

/** Makes `sha` present in this host's mirror: it is there already, or upstream's task ref has it. */
async function fetchTaskCommit(mirror: Mirror, taskId: string, sha: string, token?: string): Promise<void> {
  if (await hasCommit(mirror, sha)) return;
  const ref = taskRef(taskId);
  await assertRemoteAllowed(mirror.url);
  await withLock(mirror.path, () =>
    git(['fetch', '--quiet', 'origin', `+${ref}:${ref}`], { cwd: mirror.path, config: tokenConfig(mirror.url, token) }).catch(() => ''),
  );
  if (!(await hasCommit(mirror, sha))) {
    throw new Error(`cannot resume: the checkpoint's commit ${sha.slice(0, 12)} is neither in this host's mirror nor at ${ref} in ${mirror.url}`);
  }
}

export type SaveTaskWorkInput = {
  author: AgentIdentity;
  runId: string;
  taskId: string;
  /** What the checkpoint is (role, turn), for the WIP commit's subject. */
  label: string;
  token?: string;
};

/**
 * Makes the worktree durable for a checkpoint: its changes become a WIP commit on the task
 * branch (none when nothing changed) and that commit is pushed to the task's ref upstream, so a
 * resume on any host checks out exactly these files. Returns the commit. Failures throw: a
 * checkpoint whose files are not saved must not be recorded.
 */
export async function saveTaskWork(ws: TaskWorkspace, input: SaveTaskWorkInput): Promise<string> {
  const c = await commitChanges({ worktreePath: ws.worktree.path, author: input.author, message: `${WIP_SUBJECT} ${input.label}`, runId: input.runId });
  const ref = taskRef(input.taskId);
  if (readRef(ws.mirror.path, ref) === c.sha) return c.sha;
  const remote = await pushUrl(ws.mirror);
  if (remote) {
    await assertRemoteAllowed(remote);
    await git(['push', '--quiet', '--force', 'origin', `${c.sha}:${ref}`], { cwd: ws.mirror.path, config: tokenConfig(remote, input.token) });
  }
  // After the push: a failed push leaves the local ref behind, so the next save pushes again.
  await git(['update-ref', ref, c.sha], { cwd: ws.mirror.path });
  return c.sha;
}

/** Drops the task's ref here and upstream once its work is on its branch (best effort). */
export async function dropTaskRef(mirror: Mirror, taskId: string, token?: string): Promise<void> {
  const ref = taskRef(taskId);
  const remote = await pushUrl(mirror);
  if (remote) {
    await assertRemoteAllowed(remote);
    await git(['push', '--quiet', 'origin', `:${ref}`], { cwd: mirror.path, config: tokenConfig(remote, token) }).catch(() => undefined);
  }
  await git(['update-ref', '-d', ref], { cwd: mirror.path }).catch(() => undefined);
}

async function pushUrl(mirror: Mirror): Promise<string> {
  return (await git(['remote', 'get-url', '--push', 'origin'], { cwd: mirror.path }).catch(() => '')).trim();
}

/** Subject prefix of checkpoint commits; the final commit of a task replaces them. */
export const WIP_SUBJECT = 'nightshift wip:';

/**
 * The checkpoints' WIP commits become one: the branch is reset (keeping the files) to its newest
 * commit that is not a WIP commit — its base, or an earlier finished commit of the same task —
 * so the final commit holds the change of this execution exactly once.
 */
async function squashWip(ws: TaskWorkspace): Promise<void> {
  const cwd = ws.worktree.path;
  const base = await git(['merge-base', 'HEAD', `refs/remotes/origin/${ws.worktree.base}`], { cwd }).then(
    (s) => s.trim(),
    () => '',
  );
  if (!base) return;
  const commits = (await git(['log', '--format=%H %s', `${base}..HEAD`], { cwd })).split('\n').filter(Boolean);
  let keep = base;
  let wip = 0;
  for (const line of commits) {
    const sha = line.slice(0, line.indexOf(' '));
    if (!line.slice(sha.length + 1).startsWith(WIP_SUBJECT)) {
      keep = sha;
      break;
    }
    wip++;
  }
  if (wip > 0) await git(['reset', '--quiet', '--soft', keep], { cwd });
}

export type FinishTaskWorkspaceInput = TaskWorkspace & {
  author: AgentIdentity;
  message: string;
  runId: string;
  token?: string;
  /** Absent: commit and push the branch only. */
  pullRequest?: {
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
    await squashWip(input);
    const commit = await commitChanges({ worktreePath: worktree.path, author: input.author, message: input.message, runId: input.runId });
    const diff = await branchDiff(mirror, worktree.base, worktree.branch);
    if (!diff.trim()) return { commit, push: { pushed: false, reason: 'no changes against the base branch' } };
    const push = await pushBranch(mirror, worktree.branch, { token: input.token });
    if (!input.pullRequest) return { commit, push };
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
