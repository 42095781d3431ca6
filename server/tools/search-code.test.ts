import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from './define-tool';
import { SEARCH_MAX_MATCHES, searchCodeTool } from './search-code';

let root: string;
let repo: string;
const ctx = () => ({ workspaceDir: repo });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ns-search-'));
  repo = path.join(root, 'repo');
  await mkdir(path.join(repo, 'src'), { recursive: true });
  await mkdir(path.join(repo, 'docs'), { recursive: true });
  await writeFile(path.join(repo, '.gitignore'), 'ignored.ts\n');
  await writeFile(path.join(repo, 'src', 'a.ts'), 'const a = 1;\nfunction parseThing() {}\nconst b = 2;\n');
  await writeFile(path.join(repo, 'src', 'ignored.ts'), 'function parseIgnored() {}\n');
  await writeFile(path.join(repo, 'docs', 'notes.md'), 'parseThing is documented here\n');
  await writeFile(path.join(repo, 'many.txt'), Array.from({ length: 500 }, (_, i) => `hit ${i}`).join('\n'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  execFileSync('git', ['add', 'src/a.ts'], { cwd: repo });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('search_code', () => {
  it('finds regex matches in tracked and untracked files, not ignored ones', async () => {
    const res = await runTool(searchCodeTool, { pattern: 'parse[A-Z]\\w+' }, ctx());
    expect(res.isError).toBeFalsy();
    expect(res.output.split('\n').sort()).toEqual(['docs/notes.md:1:parseThing is documented here', 'src/a.ts:2:function parseThing() {}']);
  });

  it('limits to paths and shows context lines', async () => {
    const res = await runTool(searchCodeTool, { pattern: 'parseThing', paths: ['src'], context_lines: 1 }, ctx());
    expect(res.output).toBe('src/a.ts-1-const a = 1;\nsrc/a.ts:2:function parseThing() {}\nsrc/a.ts-3-const b = 2;');
    const glob = await runTool(searchCodeTool, { pattern: 'parseThing', paths: ['**/*.md'] }, ctx());
    expect(glob.output).toBe('docs/notes.md:1:parseThing is documented here');
  });

  it('caps output and says so', async () => {
    const res = await runTool(searchCodeTool, { pattern: '^hit' }, ctx());
    expect(res.output.split('\n').filter((l) => l.startsWith('many.txt:')).length).toBe(SEARCH_MAX_MATCHES);
    expect(res.output).toContain(`(${SEARCH_MAX_MATCHES} of 500 matches shown`);
  });

  it('reports no matches, bad input and a bad regex clearly', async () => {
    expect((await runTool(searchCodeTool, { pattern: 'nothing-like-this' }, ctx())).output).toMatch(/^No matches/);
    expect((await runTool(searchCodeTool, { pattern: '' }, ctx())).isError).toBe(true);
    expect((await runTool(searchCodeTool, { pattern: 'x', paths: ['../'] }, ctx())).isError).toBe(true);
    const bad = await runTool(searchCodeTool, { pattern: 'a(' }, ctx());
    expect(bad.isError).toBe(true);
    expect(bad.output).toMatch(/git grep failed/);
  });

  it('explains that it needs a git worktree', async () => {
    const plain = path.join(root, 'plain');
    await mkdir(plain);
    const res = await runTool(searchCodeTool, { pattern: 'x' }, { workspaceDir: plain });
    expect(res.isError).toBe(true);
    expect(res.output).toMatch(/needs a git working tree/);
  });
});
