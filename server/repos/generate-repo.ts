/**
 * Generate a git repository of a given size for tests and the workspace benchmark: files spread
 * over nested directories (like a real codebase), one commit on `main`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git';

/** Files per directory, and directories per parent, in the generated tree. */
const FILES_PER_DIR = 20;
const DIRS_PER_PARENT = 10;

export type GeneratedRepo = { path: string; files: string[] };

/** Relative path of the i-th generated file: packages/p3/src/m7/file-12.ts and so on. */
export function generatedFilePath(i: number): string {
  const dirIndex = Math.floor(i / FILES_PER_DIR);
  const top = Math.floor(dirIndex / DIRS_PER_PARENT);
  const sub = dirIndex % DIRS_PER_PARENT;
  return `packages/p${top}/src/m${sub}/file-${i % FILES_PER_DIR}.ts`;
}

export async function generateRepo(path: string, fileCount: number): Promise<GeneratedRepo> {
  mkdirSync(path, { recursive: true });
  await git(['init', '--quiet', '--initial-branch=main', path]);
  const files: string[] = [];
  writeFileSync(join(path, 'package.json'), '{ "name": "generated", "private": true }\n');
  writeFileSync(join(path, 'README.md'), `# generated repository with ${fileCount} files\n`);
  for (let i = 0; i < fileCount; i++) {
    const rel = generatedFilePath(i);
    const abs = join(path, rel);
    if (i % FILES_PER_DIR === 0) mkdirSync(join(abs, '..'), { recursive: true });
    writeFileSync(abs, `export const value${i} = ${i};\nexport function f${i}(x: number) {\n  return x + value${i};\n}\n`);
    files.push(rel);
  }
  await git(['add', '--all'], { cwd: path });
  await git(['commit', '--quiet', '-m', 'initial'], {
    cwd: path,
    env: { GIT_AUTHOR_NAME: 'gen', GIT_AUTHOR_EMAIL: 'gen@example.invalid', GIT_COMMITTER_NAME: 'gen', GIT_COMMITTER_EMAIL: 'gen@example.invalid' },
  });
  return { path, files };
}
