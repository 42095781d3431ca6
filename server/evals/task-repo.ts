import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../repos/git';
import type { EvalTask } from './suite';

/** The branch every eval repository starts on. */
export const EVAL_BASE_BRANCH = 'main';

const IDENTITY = ['user.name=Nightshift eval', 'user.email=eval@nightshift.local'];
/** A fixed date: the same repo/ folder always makes the same commit. */
const FIXED_DATE = '2000-01-01T00:00:00Z';

/** A digest of repo/: file paths, executable bits and bytes. */
export function repoDigest(task: EvalTask): string {
  const h = createHash('sha256');
  for (const rel of task.repoFiles) {
    const abs = join(task.repoDir, rel);
    h.update(`${rel}\0${statSync(abs).mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(abs));
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * The task's starting repository as a git repository on `main`, made once per content and reused:
 * every attempt's worktree comes from it and its result branch is pushed back to it. `root` is the
 * organisation's eval folder under the data directory (one organisation never sees another's
 * branches). Made in a temporary folder and renamed into place, so a half-made repository is never
 * used.
 */
export async function prepareTaskRepo(root: string, task: EvalTask): Promise<string> {
  const dir = join(root, `${task.id}-${repoDigest(task).slice(0, 16)}`);
  if (existsSync(join(dir, '.git'))) return dir;
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${task.id}-${randomBytes(4).toString('hex')}`);
  try {
    cpSync(task.repoDir, tmp, { recursive: true });
    await git(['init', '--quiet', '-b', EVAL_BASE_BRANCH], { cwd: tmp });
    await git(['add', '--all'], { cwd: tmp });
    const env = { GIT_AUTHOR_DATE: FIXED_DATE, GIT_COMMITTER_DATE: FIXED_DATE };
    await git(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', `eval task ${task.id}: starting point`], { cwd: tmp, config: IDENTITY, env });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another eval made it meanwhile: theirs is the same content.
      if (!existsSync(join(dir, '.git'))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
