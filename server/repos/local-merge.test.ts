import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localBranchState, mergeIntoLocalBase } from './local-merge';

/** Merging a task branch into the base branch of a person's own repository, on real git. */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const AUTHOR = { name: 'Grace Hopper', email: 'grace@example.com' };

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A checkout on `main` with src/a.js, and a task branch that adds src/greet.js and edits line 1 of src/a.js. */
function repoWithBranch(opts: { conflict?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-merge-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'export const a = 1;\nexport const b = 2;\n');
  sh(dir, 'init', '-q', '-b', 'main');
  sh(dir, 'add', '.');
  sh(dir, 'commit', '-qm', 'initial');
  sh(dir, 'checkout', '-q', '-b', 'nightshift/t1-greet');
  fs.writeFileSync(path.join(dir, 'src', 'greet.js'), 'export const greet = (n) => `Hello, ${n}!`;\n');
  fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'export const a = 10;\nexport const b = 2;\n');
  sh(dir, 'add', '.');
  sh(dir, 'commit', '-qm', 'T1: greet');
  sh(dir, 'checkout', '-q', 'main');
  if (opts.conflict) {
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'export const a = 99;\nexport const b = 2;\n');
    sh(dir, 'commit', '-qam', 'someone else changed a');
  }
  return dir;
}

const input = (repoPath: string) => ({ repoPath, branch: 'nightshift/t1-greet', base: 'main', message: 'Merge nightshift/t1-greet: Add a greet function', author: AUTHOR });

describe('merging into the base branch of a local repository', () => {
  it('with main checked out and clean: a merge commit by the person, the checkout updated and clean', async () => {
    const dir = repoWithBranch();
    const before = sh(dir, 'rev-parse', 'main');
    const r = await mergeIntoLocalBase(input(dir));
    expect(r).toMatchObject({ merged: true, alreadyMerged: false, base: 'main' });
    const head = sh(dir, 'rev-parse', 'main');
    expect(r.merged && r.sha).toBe(head);
    expect(sh(dir, 'log', '-1', '--format=%P')).toBe(`${before} ${sh(dir, 'rev-parse', 'nightshift/t1-greet')}`);
    expect(sh(dir, 'log', '-1', '--format=%an <%ae>|%s')).toBe('Grace Hopper <grace@example.com>|Merge nightshift/t1-greet: Add a greet function');
    expect(fs.readFileSync(path.join(dir, 'src', 'greet.js'), 'utf8')).toContain('Hello');
    expect(fs.readFileSync(path.join(dir, 'src', 'a.js'), 'utf8')).toContain('a = 10');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(await localBranchState(dir, 'nightshift/t1-greet', 'main')).toEqual({ sha: sh(dir, 'rev-parse', 'nightshift/t1-greet'), merged: true });
    // Merging again changes nothing.
    expect(await mergeIntoLocalBase(input(dir))).toEqual({ merged: true, sha: head, base: 'main', alreadyMerged: true });
    expect(sh(dir, 'rev-parse', 'main')).toBe(head);
  });

  it('with main not checked out: the branch ref moves, the checkout on another branch is untouched', async () => {
    const dir = repoWithBranch();
    sh(dir, 'checkout', '-q', '-b', 'work');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const r = await mergeIntoLocalBase(input(dir));
    expect(r.merged).toBe(true);
    expect(sh(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('work');
    expect(fs.existsSync(path.join(dir, 'src', 'greet.js'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(sh(dir, 'show', 'main:src/greet.js')).toContain('Hello');
  });

  it('a conflict is refused naming the file; nothing changes', async () => {
    const dir = repoWithBranch({ conflict: true });
    const before = sh(dir, 'rev-parse', 'main');
    const r = await mergeIntoLocalBase(input(dir));
    expect(r).toMatchObject({ merged: false, reason: 'conflict', files: ['src/a.js'] });
    expect(!r.merged && r.message).toMatch(/does not merge cleanly into main \(conflicts in src\/a\.js\)\. Nothing was changed/);
    expect(sh(dir, 'rev-parse', 'main')).toBe(before);
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(fs.readFileSync(path.join(dir, 'src', 'a.js'), 'utf8')).toContain('a = 99');
  });

  it('uncommitted changes in the checkout of main are never overwritten', async () => {
    const dir = repoWithBranch();
    const before = sh(dir, 'rev-parse', 'main');
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'export const a = 5; // work in progress\nexport const b = 2;\n');
    const r = await mergeIntoLocalBase(input(dir));
    expect(r).toMatchObject({ merged: false, reason: 'checkout-dirty' });
    expect(!r.merged && r.message).toContain('uncommitted changes (1 file)');
    expect(sh(dir, 'rev-parse', 'main')).toBe(before);
    expect(fs.readFileSync(path.join(dir, 'src', 'a.js'), 'utf8')).toContain('work in progress');
  });

  it('an untracked file the merge would overwrite is kept and the merge refused', async () => {
    const dir = repoWithBranch();
    const before = sh(dir, 'rev-parse', 'main');
    fs.writeFileSync(path.join(dir, 'src', 'greet.js'), '// my own draft\n');
    const r = await mergeIntoLocalBase(input(dir));
    expect(r).toMatchObject({ merged: false, reason: 'checkout-dirty' });
    expect(!r.merged && r.message).toMatch(/untracked/);
    expect(sh(dir, 'rev-parse', 'main')).toBe(before);
    expect(fs.readFileSync(path.join(dir, 'src', 'greet.js'), 'utf8')).toBe('// my own draft\n');
  });

  it('a missing branch or base is said plainly', async () => {
    const dir = repoWithBranch();
    expect(await mergeIntoLocalBase({ ...input(dir), branch: 'nightshift/gone' })).toMatchObject({ merged: false, reason: 'branch-missing' });
    expect(await mergeIntoLocalBase({ ...input(dir), base: 'release' })).toMatchObject({ merged: false, reason: 'base-missing' });
  });

  it('a bare repository: the ref moves', async () => {
    const src = repoWithBranch();
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-merge-bare-'));
    dirs.push(bare);
    execFileSync('git', ['clone', '-q', '--bare', src, bare]);
    const r = await mergeIntoLocalBase(input(bare));
    expect(r.merged).toBe(true);
    expect(sh(bare, 'show', 'main:src/greet.js')).toContain('Hello');
  });
});
