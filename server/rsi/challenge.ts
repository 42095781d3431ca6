import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { RsiChallenge } from '../db/schema';
import { EvalSuiteError, loadSuite, TASK_ID_PATTERN, type EvalSuite } from '../evals/suite';

/**
 * Eval challenges: an eval task folder the reporter agent writes to capture a failure it observed
 * (task.json, the repository at the start, hidden tests that fail until the failure is fixed). A
 * challenge is checked as a suite folder is checked before it is kept, and the adopted ones of an
 * organisation form its `challenges` suite, written under the data directory from the database.
 */

export const MAX_CHALLENGE_FILES = 60;
export const MAX_CHALLENGE_BYTES = 256 * 1024;
export const CHALLENGE_SUITE_NAME = 'challenges';

/** Why a path inside a challenge is not acceptable, or null. */
export function challengePathProblem(path: string): string | null {
  if (!path || path.length > 200) return 'must be a relative path of 1 to 200 characters';
  if (path.includes('\\') || path.includes('\0')) return 'must use "/" separators';
  if (path.startsWith('/')) return 'must be relative';
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'must not have empty, "." or ".." parts';
  if (parts.some((p) => p.toLowerCase() === '.git')) return 'must not write into .git';
  return null;
}

/** Every problem of a challenge's shape (ids, paths, sizes); empty when it may be written. */
export function challengeProblems(c: RsiChallenge): string[] {
  const problems: string[] = [];
  if (!TASK_ID_PATTERN.test(c.id)) problems.push(`challenge id "${c.id}": letters, digits, ".", "_" and "-", at most 64, not starting with a punctuation mark`);
  if (!c.files.length) problems.push('the challenge has no repository files');
  if (!c.hidden.length) problems.push('the challenge has no hidden files: nothing would tell a fix from no fix');
  if (c.files.length + c.hidden.length > MAX_CHALLENGE_FILES) problems.push(`the challenge has ${c.files.length + c.hidden.length} files; at most ${MAX_CHALLENGE_FILES}`);
  let bytes = 0;
  const seen = new Set<string>();
  for (const [where, list] of [
    ['repo', c.files],
    ['hidden', c.hidden],
  ] as const) {
    for (const f of list) {
      const p = challengePathProblem(f.path);
      if (p) problems.push(`${where}/${f.path}: ${p}`);
      if (seen.has(`${where}/${f.path}`)) problems.push(`${where}/${f.path}: given twice`);
      seen.add(`${where}/${f.path}`);
      bytes += Buffer.byteLength(f.content, 'utf8');
    }
  }
  if (bytes > MAX_CHALLENGE_BYTES) problems.push(`the challenge's files hold ${bytes} bytes; at most ${MAX_CHALLENGE_BYTES}`);
  return problems;
}

function writeTask(tasksDir: string, c: RsiChallenge): void {
  const dir = join(tasksDir, c.id);
  const put = (root: string, rel: string, text: string) => {
    const full = resolve(root, rel);
    if (!full.startsWith(resolve(root) + sep)) throw new Error(`${rel}: leaves the task folder`);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  mkdirSync(join(dir, 'repo'), { recursive: true });
  writeFileSync(join(dir, 'task.json'), `${JSON.stringify({ title: c.title, prompt: c.prompt, verify: c.verify, ...(c.timeoutSec ? { timeoutSec: c.timeoutSec } : {}) }, null, 2)}\n`);
  for (const f of c.files) put(join(dir, 'repo'), f.path, f.content);
  if (c.hidden.length) mkdirSync(join(dir, 'hidden'), { recursive: true });
  for (const f of c.hidden) put(join(dir, 'hidden'), f.path, f.content);
}

/**
 * Writes challenges as a suite folder at `dir` (replaced whole) and loads it back, so what runs is
 * exactly what the suite loader accepts. Throws EvalSuiteError with the loader's problems.
 */
export function writeChallengeSuite(dir: string, challenges: RsiChallenge[], description = 'Eval challenges adopted from self-improvement proposals'): EvalSuite {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'tasks'), { recursive: true });
  writeFileSync(join(tmp, 'suite.json'), `${JSON.stringify({ name: CHALLENGE_SUITE_NAME, description })}\n`);
  for (const c of challenges) writeTask(join(tmp, 'tasks'), c);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return loadSuite(dir);
}

/**
 * Checks one challenge as the suite loader would, in a scratch folder: the shape first, then the
 * folder. Returns the problems (empty: fine) and, when fine, the loaded task for a verify run.
 */
export function checkChallenge(c: RsiChallenge): { problems: string[]; suite?: EvalSuite; cleanup: () => void } {
  const shape = challengeProblems(c);
  if (shape.length) return { problems: shape, cleanup: () => undefined };
  const root = mkdtempSync(join(tmpdir(), 'ns-challenge-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const suite = writeChallengeSuite(join(root, 'suite'), [c]);
    return { problems: [], suite, cleanup };
  } catch (err) {
    const problems = err instanceof EvalSuiteError ? err.problems.map((p) => p.replace(root, '…')) : [(err as Error).message];
    cleanup();
    return { problems, cleanup: () => undefined };
  }
}
