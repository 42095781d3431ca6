/**
 * A worktree per task on branch `nightshift/<task-slug>-<short id>`, created from the mirror.
 * When the task declares files the worktree is sparse: `worktree add --no-checkout`, the cone
 * patterns for those files' directories written into the worktree's own git dir, then one
 * `read-tree -mu HEAD` to fill it (without that last step the tree stays empty). Otherwise a
 * full checkout. Removing a worktree keeps its branch: the pull request needs it.
 *
 * Spawning a process is the dominant cost here, so the fast path runs git once and does the
 * rest with plain file writes in git's documented layout.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { taskBranchName } from './branch-name';
import { AGENT_IDENTITY } from './commit';
import { git } from './git';
import { createRefIfAbsent, readRef } from './refs';
import { withLock } from './lock';
import { defaultBranch, type Mirror } from './mirror';
import { conePatterns, sparseDirectories } from './sparse-paths';

export type TaskWorktree = {
  path: string;
  branch: string;
  /** Upstream branch the task started from. */
  base: string;
  /** Directories materialised, or undefined for a full checkout. */
  sparseDirs?: string[];
  /** True when a retried task picked up its existing branch. */
  resumed: boolean;
};

export type CreateWorktreeOptions = {
  taskId: string;
  /** Title or slug of the task; becomes the readable part of the branch name. */
  taskSlug: string;
  /** Upstream branch to start from; upstream's default branch when omitted. */
  base?: string;
  /** Files the task declares; a sparse worktree when non-empty. */
  files?: string[];
  /**
   * Resume: the commit the task's last checkpoint recorded. The branch is set to it and the
   * worktree checked out there (the commit must already be in the mirror).
   */
  at?: string;
};

/** Where uncommitted leftovers of an interrupted execution are kept before a resume resets the tree. */
export const SALVAGE_REF_PREFIX = 'refs/nightshift/salvage/';

/** The worktree's private git dir (`<mirror>/worktrees/<name>`), read from its `.git` file. */
function adminDir(worktreePath: string): string {
  const text = readFileSync(join(worktreePath, '.git'), 'utf8');
  const m = /^gitdir: (.+)$/m.exec(text);
  if (!m) throw new Error(`${worktreePath}/.git does not point at a git dir`);
  return isAbsolute(m[1]) ? m[1] : resolve(worktreePath, m[1]);
}

function enableSparse(worktreePath: string, dirs: string[]): void {
  const gitDir = adminDir(worktreePath);
  mkdirSync(join(gitDir, 'info'), { recursive: true });
  writeFileSync(join(gitDir, 'info', 'sparse-checkout'), conePatterns(dirs));
  // A sparse index stores each directory outside the cone as one entry: ~100× smaller on a
  // 5,000-file repository, so read-tree, status, add and commit stay fast.
  writeFileSync(join(gitDir, 'config.worktree'), '[core]\n\tsparseCheckout = true\n\tsparseCheckoutCone = true\n[index]\n\tsparse = true\n');
}

/**
 * The fast path: lay the worktree out the way `git worktree add` does (admin dir with HEAD,
 * commondir and gitdir; a `.git` file in the worktree; the branch as a loose ref) and let one
 * `read-tree -mu HEAD` fill the index and the files. A task's branch that already exists (a retry,
 * a resume) is checked out where it is, or moved to `at` first. Returns null, having changed
 * nothing that matters, when anything is unusual (a stale admin dir, a racing creator): the caller
 * then takes the slower path through `git worktree add`. Otherwise whether the branch existed.
 */
async function addWorktreeFast(mirror: Mirror, path: string, branch: string, start: string, opts: { at?: string; sparseDirs?: string[] }): Promise<{ existed: boolean } | null> {
  const admin = join(mirror.path, 'worktrees', basename(path));
  if (existsSync(admin) || existsSync(path)) return null;
  const ref = `refs/heads/${branch}`;
  const existing = readRef(mirror.path, ref);
  if (existing === undefined) {
    if (!createRefIfAbsent(mirror.path, ref, start)) return null;
  } else if (opts.at && existing !== opts.at) {
    await git(['update-ref', ref, opts.at, existing], { cwd: mirror.path });
  }
  mkdirSync(admin, { recursive: true });
  writeFileSync(join(admin, 'HEAD'), `ref: ${ref}\n`);
  writeFileSync(join(admin, 'commondir'), '../..\n');
  writeFileSync(join(admin, 'gitdir'), `${join(path, '.git')}\n`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, '.git'), `gitdir: ${admin}\n`);
  if (opts.sparseDirs) enableSparse(path, opts.sparseDirs);
  await git(['read-tree', '-mu', 'HEAD'], { cwd: path });
  return { existed: existing !== undefined };
}

/**
 * @example const wt = await createWorktree(mirror, { taskId: t.id, taskSlug: t.title, files: ['src/a.ts'] })
 */
export async function createWorktree(mirror: Mirror, opts: CreateWorktreeOptions): Promise<TaskWorktree> {
  const branch = taskBranchName(opts.taskSlug, opts.taskId);
  const base = opts.base ?? (await defaultBranch(mirror));
  const path = join(mirror.worktreesDir, branch.replace(/\//g, '__'));
  const sparseDirs = opts.files && opts.files.length > 0 ? sparseDirectories(opts.files) : undefined;
  let resumed = false;

  await withLock(mirror.path, async () => {
    const baseSha = readRef(mirror.path, `refs/remotes/origin/${base}`);
    if (!baseSha) throw new Error(`base branch "${base}" does not exist in ${mirror.url} (fetched branches: refs/remotes/origin/*)`);
    if (opts.at) await requireCommit(mirror, opts.at);
    const fast = await addWorktreeFast(mirror, path, branch, opts.at ?? baseSha, { at: opts.at, sparseDirs });
    if (fast) {
      resumed = fast.existed || opts.at !== undefined;
      return;
    }
    // Slow path: leftovers of a crashed run (its worktree or admin dir is still there).
    if (existsSync(join(path, '.git'))) {
      // The tree of the interrupted execution: its uncommitted work is kept under a salvage ref,
      // never deleted; then it is reset to where the task resumes.
      const target = opts.at ?? readRef(mirror.path, `refs/heads/${branch}`);
      if (await salvageAndReset(mirror, path, opts.taskId, target)) {
        resumed = true;
        return;
      }
    }
    if (existsSync(path)) await dropWorktree(mirror, path);
    await git(['worktree', 'prune'], { cwd: mirror.path });
    if (opts.at) await git(['update-ref', `refs/heads/${branch}`, opts.at], { cwd: mirror.path });
    const exists = readRef(mirror.path, `refs/heads/${branch}`) !== undefined;
    const target = exists ? [path, branch] : ['--no-track', '-b', branch, path, `refs/remotes/origin/${base}`];
    await git(['worktree', 'add', '--quiet', '--no-checkout', ...target], { cwd: mirror.path });
    if (sparseDirs) enableSparse(path, sparseDirs);
    await git(['read-tree', '-mu', 'HEAD'], { cwd: path });
    resumed = exists;
  });
  return { path, branch, base, sparseDirs, resumed };
}

async function requireCommit(mirror: Mirror, sha: string): Promise<void> {
  try {
    await git(['cat-file', '-e', `${sha}^{commit}`], { cwd: mirror.path });
  } catch {
    throw new Error(`commit ${sha} is not in the mirror of ${mirror.url}; fetch the task's ref first`);
  }
}

/**
 * An existing worktree of the task, left by an execution that died: anything it did not commit
 * is committed and kept under `refs/nightshift/salvage/<task id>/<time>`, then the tree is reset
 * to `target` (the checkpoint's commit, else the branch). Returns false when the folder is not
 * a usable worktree (the caller then re-creates it).
 */
async function salvageAndReset(mirror: Mirror, path: string, taskId: string, target: string | undefined): Promise<boolean> {
  let head: string;
  try {
    head = (await git(['rev-parse', 'HEAD'], { cwd: path })).trim();
  } catch {
    return false;
  }
  const dirty = (await git(['status', '--porcelain', '--untracked-files=all'], { cwd: path })).trim();
  if (dirty) {
    await git(['add', '--sparse', '--all'], { cwd: path });
    await git(['commit', '--quiet', '--no-verify', '-m', `nightshift: salvaged uncommitted work of an interrupted execution of task ${taskId}`], {
      cwd: path,
      env: { GIT_AUTHOR_NAME: AGENT_IDENTITY.name, GIT_AUTHOR_EMAIL: AGENT_IDENTITY.email, GIT_COMMITTER_NAME: AGENT_IDENTITY.name, GIT_COMMITTER_EMAIL: AGENT_IDENTITY.email },
    });
    const salvaged = (await git(['rev-parse', 'HEAD'], { cwd: path })).trim();
    await git(['update-ref', `${SALVAGE_REF_PREFIX}${taskId.replace(/[^A-Za-z0-9._-]/g, '_')}/${Date.now()}`, salvaged], { cwd: mirror.path });
  }
  await git(['reset', '--quiet', '--hard', target ?? head], { cwd: path });
  return true;
}

async function dropWorktree(mirror: Mirror, path: string): Promise<void> {
  await git(['worktree', 'remove', '--force', path], { cwd: mirror.path }).catch(() => undefined);
  rmSync(path, { recursive: true, force: true });
  await git(['worktree', 'prune'], { cwd: mirror.path });
}

/** Remove the task's worktree directory; the branch stays for the pull request. */
export async function removeWorktree(mirror: Mirror, worktree: Pick<TaskWorktree, 'path'>): Promise<void> {
  await withLock(mirror.path, () => dropWorktree(mirror, worktree.path));
}

/** The commit a worktree is on. */
export async function worktreeHead(worktreePath: string): Promise<string> {
  return (await git(['rev-parse', 'HEAD'], { cwd: worktreePath })).trim();
}
