/**
 * Committing a task's work with the agent's identity and a trailer linking the run, and pushing
 * the task branch when the repository has a remote to push to.
 */
import { git, tokenConfig } from './git';
import { assertRemoteAllowed } from './remote-policy';
import type { Mirror } from './mirror';

export const RUN_TRAILER = 'Nightshift-Run';

export type AgentIdentity = { name: string; email: string };

/** Who Nightshift's commits are from (the CLI, the headless run and the scheduler alike). */
export const AGENT_IDENTITY: AgentIdentity = { name: 'Nightshift Agent', email: 'agent@nightshift.local' };

export type CommitResult = { committed: true; sha: string } | { committed: false; reason: 'nothing to commit'; sha: string };

/**
 * Stage everything in the worktree (also outside a sparse cone: agents may create new folders)
 * and commit it. A clean worktree is not an error: the result says so.
 */
export async function commitChanges(opts: {
  worktreePath: string;
  author: AgentIdentity;
  message: string;
  runId: string;
}): Promise<CommitResult> {
  if (!opts.author.name.trim() || !/^[^\s@<>]+@[^\s@<>]+$/.test(opts.author.email)) {
    throw new Error(`commit author needs a name and an email address (got "${opts.author.name}" <${opts.author.email}>)`);
  }
  const cwd = opts.worktreePath;
  await git(['add', '--sparse', '--all'], { cwd });
  const staged = (await git(['diff', '--cached', '--name-only'], { cwd })).trim();
  if (!staged) {
    return { committed: false, reason: 'nothing to commit', sha: (await git(['rev-parse', 'HEAD'], { cwd })).trim() };
  }
  const identity = {
    GIT_AUTHOR_NAME: opts.author.name,
    GIT_AUTHOR_EMAIL: opts.author.email,
    GIT_COMMITTER_NAME: opts.author.name,
    GIT_COMMITTER_EMAIL: opts.author.email,
  };
  await git(['commit', '--quiet', '--no-verify', '-m', opts.message, '--trailer', `${RUN_TRAILER}: ${opts.runId}`], {
    cwd,
    env: identity,
  });
  return { committed: true, sha: (await git(['rev-parse', 'HEAD'], { cwd })).trim() };
}

export type PushResult = { pushed: true; remote: string } | { pushed: false; reason: string };

/** Push the task branch to the mirror's upstream when one is configured. */
export async function pushBranch(mirror: Mirror, branch: string, opts: { token?: string } = {}): Promise<PushResult> {
  let remote = '';
  try {
    remote = (await git(['remote', 'get-url', '--push', 'origin'], { cwd: mirror.path })).trim();
  } catch {
    return { pushed: false, reason: 'no remote configured' };
  }
  if (!remote) return { pushed: false, reason: 'no remote configured' };
  await assertRemoteAllowed(remote);
  await git(['push', '--quiet', '--force-with-lease', 'origin', `refs/heads/${branch}:refs/heads/${branch}`], {
    cwd: mirror.path,
    config: tokenConfig(remote, opts.token),
  });
  return { pushed: true, remote };
}

/** The diff of a task branch against its base, for the local pull-request record. */
export async function branchDiff(mirror: Mirror, base: string, branch: string): Promise<string> {
  return git(['diff', '--no-color', `refs/remotes/origin/${base}...refs/heads/${branch}`], { cwd: mirror.path });
}
