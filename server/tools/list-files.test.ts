import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from './define-tool';
import { listFilesTool } from './list-files';

let root: string;

async function makeTree(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'src', 'deep', 'deeper'), { recursive: true });
  await mkdir(path.join(dir, 'build'), { recursive: true });
  await mkdir(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
  await writeFile(path.join(dir, '.gitignore'), 'build/\nnode_modules/\n*.log\n');
  await writeFile(path.join(dir, 'src', '.gitignore'), 'secret.ts\n');
  await writeFile(path.join(dir, 'README.md'), '# hi\n');
  await writeFile(path.join(dir, 'debug.log'), 'x');
  await writeFile(path.join(dir, 'src', 'index.ts'), 'x');
  await writeFile(path.join(dir, 'src', 'secret.ts'), 'x');
  await writeFile(path.join(dir, 'src', 'deep', 'a.test.ts'), 'x');
  await writeFile(path.join(dir, 'src', 'deep', 'deeper', 'b.ts'), 'x');
  await writeFile(path.join(dir, 'build', 'out.js'), 'x');
  await writeFile(path.join(dir, 'node_modules', 'pkg', 'index.js'), 'x');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ns-list-'));
  await makeTree(path.join(root, 'git'));
  await makeTree(path.join(root, 'plain'));
  execFileSync('git', ['init', '-q'], { cwd: path.join(root, 'git') });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe.each(['git', 'plain'])('list_files in a %s directory', (kind) => {
  const ctx = () => ({ workspaceDir: path.join(root, kind) });

  it('lists files, skipping ignored ones (nested .gitignore too)', async () => {
    const res = await runTool(listFilesTool, { depth: 10 }, ctx());
    expect(res.isError).toBeFalsy();
    expect(res.output.split('\n').sort()).toEqual(['.gitignore', 'README.md', 'src/.gitignore', 'src/deep/a.test.ts', 'src/deep/deeper/b.ts', 'src/index.ts'].sort());
  });

  it('cuts off at depth with a directory entry', async () => {
    const res = await runTool(listFilesTool, { path: 'src', depth: 1 }, ctx());
    expect(res.output.split('\n').sort()).toEqual(['src/.gitignore', 'src/deep/', 'src/index.ts']);
  });

  it('filters by glob', async () => {
    const res = await runTool(listFilesTool, { glob: '**/*.test.ts', depth: 10 }, ctx());
    expect(res.output).toBe('src/deep/a.test.ts');
  });

  it('refuses paths outside and bad depth', async () => {
    expect((await runTool(listFilesTool, { path: '..' }, ctx())).isError).toBe(true);
    expect((await runTool(listFilesTool, { depth: 0 }, ctx())).isError).toBe(true);
  });
});
