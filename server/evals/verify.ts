import { randomBytes } from 'node:crypto';
import { copyFileSync, constants, lstatSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createSandbox } from '../../sandbox/index';
import { EXIT_TIMEOUT, type Sandbox, type SandboxDriverName } from '../../sandbox/types';
import type { TaskEnvironment } from '../env/session-setup';
import { git } from '../repos/git';
import { TASK_SANDBOX_LIMITS } from '../pipeline/session-resources';
import type { EvalTask } from './suite';

export type VerifyOutcome =
  | { ran: true; exitCode: number; timedOut: boolean; durationMs: number; tail: string }
  | { ran: false; error: string };

/** The last lines of verify's output kept with a failure (the reason a person reads). */
const TAIL_LINES = 40;

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/**
 * Writes the hidden files over a checkout of the result. The result was written by the agent: a
 * symbolic link (or a file where a folder must be) on a hidden file's path is removed, never
 * followed, so a hidden file lands in the checkout and nowhere else — not in `.git`, not on the host.
 */
export function copyHiddenFiles(task: Pick<EvalTask, 'hiddenDir' | 'hiddenFiles'>, checkout: string): void {
  if (!task.hiddenDir) return;
  for (const rel of task.hiddenFiles) {
    const parts = rel.split('/');
    let at = checkout;
    for (const part of parts.slice(0, -1)) {
      at = join(at, part);
      const st = lstatOrNull(at);
      if (st && !st.isDirectory()) unlinkSync(at);
      if (!st || !st.isDirectory()) mkdirSync(at);
    }
    const dest = join(checkout, ...parts);
    const st = lstatOrNull(dest);
    if (st?.isDirectory()) rmSync(dest, { recursive: true, force: true });
    else if (st) unlinkSync(dest);
    copyFileSync(join(task.hiddenDir, ...parts), dest, constants.COPYFILE_EXCL);
  }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

export type VerifyInput = {
  task: EvalTask;
  /** The task's eval repository, holding the result commit. */
  repo: string;
  commit: string;
  /** Where checkouts for verification are made (removed afterwards). */
  workRoot: string;
  driver: SandboxDriverName;
  /** The dependency environment for a folder (the task's stack), or none. */
  environment?: (dir: string) => TaskEnvironment | null;
  signal?: AbortSignal;
};

/**
 * Verifies one result: a fresh checkout of the result commit (the agent's worktree is gone and
 * cannot interfere), the hidden files copied over it, then `verify` in a sandbox like the task's
 * (no network, the project's dependencies) with the task's time limit. A verify that hangs is
 * killed at the limit and reported as exit 124.
 */
export async function verifyResult(input: VerifyInput): Promise<VerifyOutcome> {
  const { task } = input;
  mkdirSync(input.workRoot, { recursive: true });
  const dir = join(input.workRoot, `${task.id}-${randomBytes(4).toString('hex')}`);
  let sandbox: Sandbox | null = null;
  try {
    try {
      await git(['clone', '--quiet', '--no-checkout', input.repo, dir]);
      await git(['checkout', '--quiet', '--detach', input.commit], { cwd: dir });
    } catch (err) {
      return { ran: false, error: `the result ${input.commit.slice(0, 12)} could not be checked out: ${(err as Error).message}` };
    }
    copyHiddenFiles(task, dir);
    const options = { workspaceDir: dir, memoryMb: TASK_SANDBOX_LIMITS.memoryMb, timeoutS: task.timeoutSec, network: false as const, env: {} };
    const environment = input.environment?.(dir) ?? null;
    try {
      sandbox = environment ? await environment.createSandbox(options) : await createSandbox({ ...options, driver: input.driver });
      await sandbox.start();
      await environment?.setup({ workspaceDir: dir, signal: input.signal });
    } catch (err) {
      return { ran: false, error: `the verify sandbox could not be prepared: ${(err as Error).message}` };
    }
    const r = await sandbox.exec(['sh', '-c', task.verify], { timeoutMs: task.timeoutSec * 1000, signal: input.signal });
    const out = tail(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`);
    return { ran: true, exitCode: r.timedOut ? EXIT_TIMEOUT : r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs, tail: r.timedOut ? `${out}\nverify timed out after ${task.timeoutSec} s`.trim() : out };
  } finally {
    await sandbox?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
