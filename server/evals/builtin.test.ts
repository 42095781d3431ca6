/**
 * The built-in suite is sound: every task's hidden tests fail on the repository as given (there is
 * something to do) and pass on a reference solution (test/fixtures/evals/builtin-solutions/<id>/,
 * files laid over the repository — kept out of the product so no agent can find them). Both go
 * through the product's own verification: the eval repository, a fresh checkout of the commit,
 * hidden/ copied in, `verify` in a bwrap sandbox with the task's dependencies (typescript from the
 * npm registry for the TypeScript tasks) and a headless browser for the UI task.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { createTaskEnvironment } from '../env/session-setup';
import { git } from '../repos/git';
import { BUILTIN_SUITE_DIR, loadSuite } from './suite';
import { prepareTaskRepo } from './task-repo';
import { verifyResult } from './verify';

const SOLUTIONS = resolve(__dirname, '../../test/fixtures/evals/builtin-solutions');
const skip = !bwrapAvailable() || detectCgroups().version === 0;
const suite = loadSuite(BUILTIN_SUITE_DIR);

describe('the built-in suite', () => {
  it('has at least 12 tasks over JS/TS and Python: bug fixes, features, a refactor, a test to write and a UI task', () => {
    expect(suite.name).toBe('nightshift-builtin');
    expect(suite.tasks.length).toBeGreaterThanOrEqual(12);
    const tagged = (tag: string) => suite.tasks.filter((t) => t.tags?.includes(tag)).map((t) => t.id);
    for (const tag of ['javascript', 'typescript', 'python', 'bugfix', 'feature']) expect(tagged(tag).length, tag).toBeGreaterThanOrEqual(2);
    for (const tag of ['refactor', 'tests', 'ui']) expect(tagged(tag).length, tag).toBeGreaterThanOrEqual(1);
    expect(suite.tasks.filter((t) => t.webTest).map((t) => t.id)).toEqual(tagged('ui'));
    for (const t of suite.tasks) expect(t.hiddenFiles.length, `${t.id} has hidden tests`).toBeGreaterThan(0);
    // A reference solution for every task, and none for a task that does not exist.
    expect(readdirSync(SOLUTIONS).sort()).toEqual(suite.tasks.map((t) => t.id).sort());
  });

  it('never names a hidden file in a prompt', () => {
    for (const t of suite.tasks) {
      for (const f of t.hiddenFiles) {
        const base = f.split('/').at(-1)!;
        expect(`${t.title}\n${t.prompt}`.includes(base), `${t.id}'s prompt names ${f}`).toBe(false);
      }
    }
  });
});

describe.skipIf(skip)('each built-in task: hidden tests fail as given, pass on the reference solution (bwrap)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ns-builtin-'));
  const dataDir = join(root, 'data');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const environment = () => createTaskEnvironment({ dataDir, projectKey: 'builtin-suite-test', driver: 'bwrap' });

  for (const task of suite.tasks) {
    it(task.id, async () => {
      const repo = await prepareTaskRepo(join(root, 'repos'), task);
      const base = (await git(['rev-parse', 'HEAD'], { cwd: repo })).trim();
      const verify = (commit: string) => verifyResult({ task, repo, commit, workRoot: join(root, 'verify'), driver: 'bwrap', environment });

      const before = await verify(base);
      expect(before.ran, before.ran ? '' : before.error).toBe(true);
      if (before.ran) expect(before.exitCode, `${task.id} passes before any change:\n${before.tail}`).not.toBe(0);

      await git(['checkout', '--quiet', '-b', `solution-${process.pid}`], { cwd: repo });
      cpSync(join(SOLUTIONS, task.id), repo, { recursive: true });
      await git(['add', '--all'], { cwd: repo });
      await git(['commit', '--quiet', '-m', 'reference solution'], { cwd: repo, config: ['user.name=t', 'user.email=t@example.com'] });
      const solved = (await git(['rev-parse', 'HEAD'], { cwd: repo })).trim();
      await git(['checkout', '--quiet', 'main'], { cwd: repo });

      const after = await verify(solved);
      expect(after.ran, after.ran ? '' : after.error).toBe(true);
      if (after.ran) expect(after.exitCode, `${task.id} fails on its reference solution:\n${after.tail}`).toBe(0);
      // Verification leaves nothing behind.
      expect(existsSync(join(root, 'verify')) ? readdirSync(join(root, 'verify')) : []).toEqual([]);
    }, 240_000);
  }
});
