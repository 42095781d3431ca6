import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskBranchName } from './branch-name';
import { branchDiff, commitChanges, pushBranch } from './commit';
import { generateRepo, generatedFilePath } from './generate-repo';
import { fetchMirror, registerRepository, type Mirror } from './mirror';
import { conePatterns, sparseDirectories } from './sparse-paths';
import { createWorktree, removeWorktree, worktreeHead } from './worktree';

const FILE_COUNT = 120;
const AGENT = { name: 'Nightshift Developer', email: 'developer@nightshift.invalid' };

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid' },
  });
}

function listFiles(dir: string): string[] {
  return sh(dir, 'ls-files').split('\n').filter(Boolean).filter((f) => existsSync(join(dir, f))).sort();
}

describe('mirrors, worktrees, commits', () => {
  let root: string;
  let source: string;
  let upstream: string;
  let dataDir: string;
  let mirror: Mirror;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ns-repos-'));
    source = (await generateRepo(join(root, 'source'), FILE_COUNT)).path;
    upstream = join(root, 'upstream.git');
    execFileSync('git', ['clone', '--quiet', '--bare', source, upstream]);
    dataDir = join(root, 'data');
    mirror = await registerRepository({ dataDir, repoId: 'proj_1', source: upstream });
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps one bare mirror per repository under the data dir, idempotently', async () => {
    expect(mirror.path).toBe(join(dataDir, 'mirrors', 'proj_1.git'));
    expect(sh(mirror.path, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    const again = await registerRepository({ dataDir, repoId: 'proj_1', source: upstream });
    expect(again.path).toBe(mirror.path);
    expect(sh(mirror.path, 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(sh(source, 'rev-parse', 'HEAD').trim());
  });

  it('refuses a source that is neither a URL nor a directory, and a bad id', async () => {
    await expect(registerRepository({ dataDir, repoId: 'x', source: join(root, 'missing') })).rejects.toThrow(/neither a git URL nor an existing directory/);
    await expect(registerRepository({ dataDir, repoId: '../evil', source: upstream })).rejects.toThrow(/invalid repository id/);
  });

  it('fetch brings new upstream commits before a task', async () => {
    const clone = join(root, 'pusher');
    execFileSync('git', ['clone', '--quiet', upstream, clone]);
    writeFileSync(join(clone, 'NEW.md'), 'new upstream file\n');
    sh(clone, 'add', 'NEW.md');
    sh(clone, 'commit', '--quiet', '-m', 'upstream change');
    sh(clone, 'push', '--quiet', 'origin', 'main');
    await fetchMirror(mirror);
    expect(sh(mirror.path, 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(sh(clone, 'rev-parse', 'HEAD').trim());
  });

  it('creates a sparse worktree with the task files and their neighbours only', async () => {
    const target = generatedFilePath(45);
    const wt = await createWorktree(mirror, { taskId: 'a1b2c3d4e5f6', taskSlug: 'Fix the widget!', files: [target] });
    try {
      expect(wt.branch).toBe('nightshift/fix-the-widget-a1b2c3d4');
      expect(sh(wt.path, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/nightshift/fix-the-widget-a1b2c3d4');
      const present = listFiles(wt.path);
      const dir = target.slice(0, target.lastIndexOf('/'));
      const expected = ['NEW.md', 'README.md', 'package.json', ...sh(source, 'ls-files', dir).split('\n').filter(Boolean)].sort();
      expect(present).toEqual(expected);
      expect(present).toContain(target);
      expect(existsSync(join(wt.path, generatedFilePath(0)))).toBe(false);
      expect(sh(wt.path, 'status', '--porcelain')).toBe('');
      expect(sh(mirror.path, 'worktree', 'list', '--porcelain')).toContain(`worktree ${wt.path}`);
    } finally {
      await removeWorktree(mirror, wt);
    }
  });

  it('creates a full worktree when the task declares no files', async () => {
    const wt = await createWorktree(mirror, { taskId: 'ffff0000', taskSlug: 'full' });
    try {
      expect(listFiles(wt.path).length).toBe(FILE_COUNT + 3);
      expect(sh(wt.path, 'status', '--porcelain')).toBe('');
    } finally {
      await removeWorktree(mirror, wt);
    }
  });

  it('commits with the agent identity and run trailer, pushes, removes the tree and keeps the branch', async () => {
    const target = generatedFilePath(7);
    const wt = await createWorktree(mirror, { taskId: 'c0ffee00', taskSlug: 'edit', files: [target] });
    writeFileSync(join(wt.path, target), 'export const changed = true;\n');
    // A new folder outside the sparse cone must be committed too.
    mkdirSync(join(wt.path, 'docs', 'new'), { recursive: true });
    writeFileSync(join(wt.path, 'docs', 'new', 'guide.md'), '# guide\n');
    const result = await commitChanges({ worktreePath: wt.path, author: AGENT, message: 'Edit file 7', runId: 'run_42' });
    expect(result.committed).toBe(true);
    const log = sh(wt.path, 'log', '-1', '--format=%an|%ae|%cn|%s|%(trailers:key=Nightshift-Run,valueonly)').trim();
    expect(log).toBe('Nightshift Developer|developer@nightshift.invalid|Nightshift Developer|Edit file 7|run_42');
    expect(sh(wt.path, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean).sort()).toEqual(['docs/new/guide.md', target].sort());

    const again = await commitChanges({ worktreePath: wt.path, author: AGENT, message: 'noop', runId: 'run_42' });
    expect(again).toEqual({ committed: false, reason: 'nothing to commit', sha: result.sha });

    const diff = await branchDiff(mirror, 'main', wt.branch);
    expect(diff).toContain('+export const changed = true;');
    expect(diff).toContain('docs/new/guide.md');

    const push = await pushBranch(mirror, wt.branch);
    expect(push.pushed).toBe(true);
    expect(sh(upstream, 'rev-parse', `refs/heads/${wt.branch}`).trim()).toBe(result.sha);

    await removeWorktree(mirror, wt);
    expect(existsSync(wt.path)).toBe(false);
    expect(sh(mirror.path, 'worktree', 'list', '--porcelain')).not.toContain(wt.path);
    expect(sh(mirror.path, 'rev-parse', `refs/heads/${wt.branch}`).trim()).toBe(result.sha);

    // A retried task resumes on its branch, with its earlier commit.
    const retry = await createWorktree(mirror, { taskId: 'c0ffee00', taskSlug: 'edit', files: [target] });
    try {
      expect(retry.resumed).toBe(true);
      expect(await worktreeHead(retry.path)).toBe(result.sha);
      expect(readFileSync(join(retry.path, target), 'utf8')).toBe('export const changed = true;\n');
    } finally {
      await removeWorktree(mirror, retry);
    }
  });

  it('creates worktrees for many tasks at once from one mirror', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => ({ taskId: `beef${i}abc`, taskSlug: `parallel ${i}`, files: [generatedFilePath(i * 20)] }));
    const wts = await Promise.all(tasks.map((t) => createWorktree(mirror, t)));
    try {
      expect(new Set(wts.map((w) => w.path)).size).toBe(6);
      wts.forEach((w, i) => expect(existsSync(join(w.path, generatedFilePath(i * 20)))).toBe(true));
    } finally {
      await Promise.all(wts.map((w) => removeWorktree(mirror, w)));
    }
  });

  it('rejects a missing base branch and paths outside the repository', async () => {
    await expect(createWorktree(mirror, { taskId: 'dead0001', taskSlug: 'x', base: 'nope' })).rejects.toThrow(/base branch "nope" does not exist/);
    await expect(createWorktree(mirror, { taskId: 'dead0002', taskSlug: 'x', files: ['../etc/passwd'] })).rejects.toThrow(/inside the repository/);
  });
});

describe('branch names and sparse patterns', () => {
  it('builds nightshift/<slug>-<short id>', () => {
    expect(taskBranchName('Add login form (v2)', '4F1C2D9E-77aa-4bbb')).toBe('nightshift/add-login-form-v2-4f1c2d9e');
    expect(taskBranchName('???', 'abc')).toBe('nightshift/task-abc');
    expect(() => taskBranchName('x', '---')).toThrow(/no letters or digits/);
  });

  it('takes the directories of declared files, dropping nested ones', () => {
    expect(sparseDirectories(['src/a/x.ts', 'src/a/b/y.ts', './lib/z.ts', 'root.ts'])).toEqual(['lib', 'src/a']);
  });

  it('writes the same cone patterns as git sparse-checkout itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-cone-'));
    try {
      sh(dir, 'init', '--quiet');
      const dirs = ['packages/p1/src/m2', 'packages/p3', 'lib', 'a/b'];
      sh(dir, 'sparse-checkout', 'set', '--cone', ...dirs);
      expect(conePatterns(dirs)).toBe(readFileSync(join(dir, '.git', 'info', 'sparse-checkout'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
