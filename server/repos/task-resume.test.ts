/**
 * Checkpoints and files agree: each checkpoint's WIP commit is pushed to the task's ref upstream,
 * a resume on another host (another data directory) checks that commit out, a resume on the same
 * host keeps what the dead execution left uncommitted under a salvage ref, and the finished branch
 * holds the task's change in one commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRepo, generatedFilePath } from './generate-repo';
import { InMemoryPullRequestStore } from './pull-requests';
import { dropTaskRef, finishTaskWorkspace, openTaskWorkspace, saveTaskWork, taskRef, WIP_SUBJECT } from './task-workspace';
import { SALVAGE_REF_PREFIX } from './worktree';
import { operatorRepositorySource } from './local-repo-policy';

const AGENT = { name: 'Nightshift Agent', email: 'agent@nightshift.local' };
const sh = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'safe.directory=*', ...args], { cwd, encoding: 'utf8' });

describe('task work saved at checkpoints', () => {
  let root: string;
  let upstream: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ns-resume-'));
    const src = await generateRepo(join(root, 'src'), 20);
    upstream = join(root, 'upstream.git');
    execFileSync('git', ['clone', '--quiet', '--bare', src.path, upstream]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('pushes each checkpoint commit to the task ref and resumes on another host at that commit', async () => {
    const task = { id: 'a11ce000-1', slug: 'Resume me' };
    const file = generatedFilePath(2);
    const hostA = await openTaskWorkspace({ dataDir: join(root, 'host-a'), repoId: 'p', source: operatorRepositorySource(upstream), task });
    writeFileSync(join(hostA.worktree.path, file), 'export const value2 = 20;\n');
    const first = await saveTaskWork(hostA, { author: AGENT, runId: 'r1', taskId: task.id, label: 'developer turn 1' });
    expect(sh(upstream, 'rev-parse', taskRef(task.id)).trim()).toBe(first);
    expect(sh(hostA.worktree.path, 'log', '-1', '--format=%s').trim()).toBe(`${WIP_SUBJECT} developer turn 1`);
    // Nothing changed: the same commit, no new one.
    expect(await saveTaskWork(hostA, { author: AGENT, runId: 'r1', taskId: task.id, label: 'developer turn 2' })).toBe(first);
    writeFileSync(join(hostA.worktree.path, 'NEW.md'), 'new file\n');
    const second = await saveTaskWork(hostA, { author: AGENT, runId: 'r1', taskId: task.id, label: 'developer turn 3' });
    expect(second).not.toBe(first);
    // Work after the last checkpoint, then host A dies.
    writeFileSync(join(hostA.worktree.path, 'AFTER.md'), 'not checkpointed\n');

    // Host B has never seen the task: the commit comes from upstream's task ref.
    const hostB = await openTaskWorkspace({ dataDir: join(root, 'host-b'), repoId: 'p', source: operatorRepositorySource(upstream), task, at: second });
    expect(hostB.worktree.resumed).toBe(true);
    expect(sh(hostB.worktree.path, 'rev-parse', 'HEAD').trim()).toBe(second);
    expect(readFileSync(join(hostB.worktree.path, file), 'utf8')).toBe('export const value2 = 20;\n');
    expect(existsSync(join(hostB.worktree.path, 'NEW.md'))).toBe(true);
    expect(existsSync(join(hostB.worktree.path, 'AFTER.md'))).toBe(false);

    // Finished: the WIP commits become one commit holding the whole change.
    const store = new InMemoryPullRequestStore();
    const done = await finishTaskWorkspace({ ...hostB, author: AGENT, message: 'Resume me', runId: 'r1', pullRequest: { store, projectId: 'p', title: 'Resume me', body: 'report' } });
    expect(done.push.pushed).toBe(true);
    expect(sh(upstream, 'rev-list', '--count', `main..${hostB.worktree.branch}`).trim()).toBe('1');
    expect(sh(upstream, 'log', '-1', '--format=%s', hostB.worktree.branch).trim()).toBe('Resume me');
    expect(sh(upstream, 'diff', '--name-only', `main...${hostB.worktree.branch}`).split('\n').filter(Boolean).sort()).toEqual(['NEW.md', file].sort());
    await dropTaskRef(hostB.mirror, task.id);
    expect(sh(upstream, 'for-each-ref', 'refs/nightshift/').trim()).toBe('');
  });

  it('keeps what a dead execution left uncommitted on this host under a salvage ref, and resumes at the checkpoint', async () => {
    const task = { id: 'b0b00000-2', slug: 'Same host' };
    const dataDir = join(root, 'host-c');
    const ws = await openTaskWorkspace({ dataDir, repoId: 'p', source: operatorRepositorySource(upstream), task });
    writeFileSync(join(ws.worktree.path, 'A.md'), 'checkpointed\n');
    const cp = await saveTaskWork(ws, { author: AGENT, runId: 'r2', taskId: task.id, label: 'turn 1' });
    writeFileSync(join(ws.worktree.path, 'B.md'), 'left behind\n');
    writeFileSync(join(ws.worktree.path, 'A.md'), 'edited after the checkpoint\n');

    const again = await openTaskWorkspace({ dataDir, repoId: 'p', source: operatorRepositorySource(upstream), task, at: cp });
    expect(again.worktree.path).toBe(ws.worktree.path);
    expect(again.worktree.resumed).toBe(true);
    expect(sh(again.worktree.path, 'rev-parse', 'HEAD').trim()).toBe(cp);
    expect(readFileSync(join(again.worktree.path, 'A.md'), 'utf8')).toBe('checkpointed\n');
    expect(existsSync(join(again.worktree.path, 'B.md'))).toBe(false);
    expect(sh(again.worktree.path, 'status', '--porcelain').trim()).toBe('');
    const salvage = sh(again.mirror.path, 'for-each-ref', '--format=%(refname)', SALVAGE_REF_PREFIX).trim().split('\n');
    expect(salvage).toHaveLength(1);
    expect(sh(again.mirror.path, 'show', `${salvage[0]}:B.md`)).toBe('left behind\n');
    expect(sh(again.mirror.path, 'show', `${salvage[0]}:A.md`)).toBe('edited after the checkpoint\n');
  });

  it('says clearly when the checkpoint commit is nowhere to be found', async () => {
    await expect(openTaskWorkspace({ dataDir: join(root, 'host-d'), repoId: 'p', source: operatorRepositorySource(upstream), task: { id: 'c0c00000-3', slug: 'gone' }, at: 'f'.repeat(40) })).rejects.toThrow(
      /cannot resume: the checkpoint's commit ffffffffffff is neither in this host's mirror nor at refs\/nightshift\/tasks\/c0c00000-3/,
    );
  });
});
