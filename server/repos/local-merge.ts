/**
 * Merging a task branch into its base branch in the team's own local repository — the "Merge"
 * button of a local pull request. The merge is computed without touching any working tree
 * (`git merge-tree --write-tree`), so a conflict is refused before anything changes; the merge
 * commit then moves the base branch with a compare-and-swap (`update-ref <new> <old>`), or, when
 * the base branch is checked out, with a fast-forward in that checkout, which git refuses rather
 * than overwrite a person's uncommitted or untracked files.
 */
import { execFile } from 'node:child_process';
import { git, GitError, GIT_TIMEOUT_MS } from './git';
import { withLock } from './lock';

export type LocalMergeInput = {
  /** The repository (its working tree or a bare repository), already checked against the local-repository policy. */
  repoPath: string;
  branch: string;
  base: string;
  message: string;
  author: { name: string; email: string };
};

export type LocalMergeResult =
  | { merged: true; sha: string; base: string; alreadyMerged: boolean }
  | { merged: false; reason: 'conflict'; files: string[]; message: string }
  | { merged: false; reason: 'branch-missing' | 'base-missing' | 'base-moved' | 'checkout-dirty'; message: string };

const HEADS = 'refs/heads/';
/** Hooks of the person's repository are theirs to run, not the server's. */
const NO_HOOKS = ['core.hooksPath=/dev/null'];

async function revParse(repoPath: string, ref: string): Promise<string | null> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoPath })).trim() || null;
  } catch {
    return null;
  }
}

async function isAncestor(repoPath: string, a: string, b: string): Promise<boolean> {
  try {
    await git(['merge-base', '--is-ancestor', a, b], { cwd: repoPath });
    return true;
  } catch (err) {
    if (err instanceof GitError && err.exitCode === 1) return false;
    throw err;
  }
}

/** The worktree (main or linked) that has `branch` checked out, if any. */
export async function checkoutOf(repoPath: string, branch: string): Promise<string | null> {
  const out = await git(['worktree', 'list', '--porcelain'], { cwd: repoPath });
  let current: string | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
    else if (line === `branch ${HEADS}${branch}` && current) return current;
    else if (line === '') current = null;
  }
  return null;
}

/** Whether a branch is in the repository and, if so, at which commit and whether it is merged into `base`. */
export async function localBranchState(repoPath: string, branch: string, base: string): Promise<{ sha: string | null; merged: boolean }> {
  const sha = await revParse(repoPath, `${HEADS}${branch}`);
  const baseSha = await revParse(repoPath, `${HEADS}${base}`);
  if (!sha || !baseSha) return { sha, merged: false };
  return { sha, merged: await isAncestor(repoPath, sha, baseSha) };
}

/**
 * Merges `branch` into `base` in the repository at `repoPath` with a merge commit by `author`.
 * Refuses, changing nothing, on a conflict (naming the files), when either branch is missing,
 * when the base branch moved meanwhile, or when the checkout holding the base branch has
 * uncommitted changes or untracked files the merge would overwrite.
 * @example await mergeIntoLocalBase({ repoPath: '/srv/acme', branch: 'nightshift/t1-x', base: 'main', message: 'Merge …', author })
 */
export function mergeIntoLocalBase(input: LocalMergeInput): Promise<LocalMergeResult> {
  return withLock(`local-merge:${input.repoPath}`, () => merge(input));
}

async function merge(input: LocalMergeInput): Promise<LocalMergeResult> {
  const { repoPath, branch, base } = input;
  const branchSha = await revParse(repoPath, `${HEADS}${branch}`);
  if (!branchSha) return { merged: false, reason: 'branch-missing', message: `The branch ${branch} is not in ${repoPath} any more (deleted or renamed), so there is nothing to merge.` };
  const baseSha = await revParse(repoPath, `${HEADS}${base}`);
  if (!baseSha) return { merged: false, reason: 'base-missing', message: `The base branch ${base} is not in ${repoPath}.` };
  if (await isAncestor(repoPath, branchSha, baseSha)) return { merged: true, sha: baseSha, base, alreadyMerged: true };

  // Exit 0: the merged tree's id; exit 1: conflicts — the tree, then the conflicted files.
  const mt = await gitWithStatus(['merge-tree', '--write-tree', '--name-only', '--no-messages', baseSha, branchSha], repoPath);
  if (mt.code === 1) {
    const files = [...new Set(mt.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean))];
    return {
      merged: false,
      reason: 'conflict',
      files,
      message: `${branch} does not merge cleanly into ${base} (conflicts in ${files.length ? files.join(', ') : 'some files'}). Nothing was changed: resolve it in the repository (git merge ${branch}) or run the task again on the current ${base}.`,
    };
  }
  if (mt.code !== 0) throw new GitError(['merge-tree'], mt.code, mt.stderr);
  const tree = mt.stdout.trim().split('\n')[0];

  const env = {
    GIT_AUTHOR_NAME: input.author.name,
    GIT_AUTHOR_EMAIL: input.author.email,
    GIT_COMMITTER_NAME: input.author.name,
    GIT_COMMITTER_EMAIL: input.author.email,
  };
  const sha = (await git(['commit-tree', tree, '-p', baseSha, '-p', branchSha, '-m', input.message], { cwd: repoPath, env })).trim();

  const checkout = await checkoutOf(repoPath, base);
  if (!checkout) {
    try {
      // Compare-and-swap: only if the base branch is still where the merge was computed.
      await git(['update-ref', '-m', `nightshift: merge ${branch}`, `${HEADS}${base}`, sha, baseSha], { cwd: repoPath });
    } catch {
      return { merged: false, reason: 'base-moved', message: `${base} moved while merging; nothing was changed. Try again.` };
    }
    return { merged: true, sha, base, alreadyMerged: false };
  }

  // The base branch is checked out: move it as `git merge --ff-only` would, updating that
  // checkout's files — only when it has no uncommitted changes to tracked files.
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no'], { cwd: checkout })).trim();
  if (dirty) {
    return {
      merged: false,
      reason: 'checkout-dirty',
      message: `${base} is checked out in ${checkout} with uncommitted changes (${dirty.split('\n').length} file${dirty.split('\n').length === 1 ? '' : 's'}). Nothing was changed; commit or stash them, then merge again.`,
    };
  }
  try {
    await git(['merge', '--ff-only', '--quiet', sha], { cwd: checkout, config: NO_HOOKS, env });
  } catch (err) {
    const why = err instanceof GitError ? err.stderr.trim().split('\n').find((l) => /overwritten|untracked|not possible|fatal|error/i.test(l)) ?? '' : '';
    if ((await revParse(repoPath, `${HEADS}${base}`)) !== baseSha) return { merged: false, reason: 'base-moved', message: `${base} moved while merging; nothing was changed. Try again.` };
    return { merged: false, reason: 'checkout-dirty', message: `git refused to update the checkout of ${base} in ${checkout}${why ? `: ${why.replace(/^(error|fatal): /, '')}` : ''}. Nothing was changed.` };
  }
  return { merged: true, sha, base, alreadyMerged: false };
}

/** git with its exit status and stdout whatever the status (merge-tree reports conflicts with exit 1 and its answer on stdout). */
function gitWithStatus(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'safe.directory=*', ...args],
      { cwd, encoding: 'utf8', timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}
