/**
 * One task end to end on real git and a real sandbox: worktree from the mirror, a command in
 * the sandbox edits a file, commit + push + local pull request, worktree removed, branch kept;
 * then the retried task updates the same pull request.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { createSandbox } from '../../sandbox/index';
import { generateRepo, generatedFilePath } from './generate-repo';
import { InMemoryPullRequestStore } from './pull-requests';
import { finishTaskWorkspace, openTaskWorkspace } from './task-workspace';
import { operatorRepositorySource } from './local-repo-policy';

const canSandbox = bwrapAvailable() && detectCgroups().version !== 0;
if (!canSandbox) console.warn('[task workspace test] skipping: bubblewrap or cgroups unavailable');

describe.skipIf(!canSandbox)('a task from worktree to pull request', () => {
  let root: string;
  let upstream: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ns-task-'));
    const src = await generateRepo(join(root, 'src'), 40);
    upstream = join(root, 'upstream.git');
    execFileSync('git', ['clone', '--quiet', '--bare', src.path, upstream]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('edits in the sandbox, commits, pushes and records the pull request idempotently', async () => {
    const store = new InMemoryPullRequestStore();
    const target = generatedFilePath(3);
    const task = { id: '7e57ab1e-0000', slug: 'Double value three', files: [target] };
    const finish = async (runId: string, sed: string) => {
      const ws = await openTaskWorkspace({ dataDir: join(root, 'data'), repoId: 'p1', source: operatorRepositorySource(upstream), task });
      // The mirror, read-only, lets git inside the sandbox follow the worktree's .git pointer.
      const sandbox = await createSandbox({ driver: 'bwrap', workspaceDir: ws.worktree.path, readOnlyPaths: [ws.mirror.path] });
      await sandbox.start();
      try {
        const r = await sandbox.exec(['sed', '-i', sed, target]);
        expect(r.exitCode).toBe(0);
        const status = await sandbox.exec(['git', 'status', '--porcelain']);
        expect(status.stdout.trim()).toBe(`M ${target}`);
        const write = await sandbox.exec(['sh', '-c', `echo x > ${ws.mirror.path}/pwned`]);
        expect(write.exitCode).not.toBe(0);
      } finally {
        await sandbox.stop();
      }
      const result = await finishTaskWorkspace({
        ...ws,
        author: { name: 'Nightshift Developer', email: 'dev@nightshift.invalid' },
        message: 'Double value three',
        runId,
        pullRequest: { store, projectId: 'p1', title: 'Double value three', body: `report for ${runId}`, draft: true },
      });
      expect(existsSync(ws.worktree.path)).toBe(false);
      return { ws, result };
    };

    const { ws, result } = await finish('run_1', 's/= 3;/= 6;/');
    expect(ws.worktree.branch).toBe('nightshift/double-value-three-7e57ab1e');
    expect(result.commit.committed).toBe(true);
    expect(result.push.pushed).toBe(true);
    expect(result.pullRequest?.action).toBe('created');
    expect(result.pullRequest?.record.diff).toContain('+export const value3 = 6;');
    const pushed = execFileSync('git', ['log', '-1', '--format=%ae %(trailers:key=Nightshift-Run,valueonly)', ws.worktree.branch], { cwd: upstream, encoding: 'utf8' });
    expect(pushed.trim()).toBe('dev@nightshift.invalid run_1');

    // The retry continues the branch and updates the same record.
    const again = await finish('run_2', 's/= 6;/= 12;/');
    expect(again.ws.worktree.resumed).toBe(true);
    expect(again.result.pullRequest?.action).toBe('updated');
    expect(store.all()).toHaveLength(1);
    expect(store.all()[0].body).toBe('report for run_2');
    expect(store.all()[0].diff).toContain('+export const value3 = 12;');
    const count = execFileSync('git', ['rev-list', '--count', `main..${ws.worktree.branch}`], { cwd: upstream, encoding: 'utf8' });
    expect(count.trim()).toBe('2');
  });
});
