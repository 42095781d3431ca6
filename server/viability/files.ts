import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../repos/git';
import { JS_EXTENSIONS } from './js-tree';
import { PY_EXTENSIONS } from './py-tree';
import type { Language } from './types';

/** Folders that hold other people's code or build output, never scanned. */
const SKIP_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', '.next', '.nuxt', 'coverage', 'vendor', 'third_party',
  '.venv', 'venv', 'env', '__pycache__', '.tox', '.mypy_cache', '.pytest_cache', 'site-packages', '.nightshift', '.turbo', '.cache',
]);

export function languageOf(file: string): Language | undefined {
  if (file.endsWith('.d.ts') || /\.min\.[cm]?js$/.test(file)) return undefined;
  const ext = path.extname(file).toLowerCase();
  if (JS_EXTENSIONS.includes(ext)) return 'js';
  if (PY_EXTENSIONS.includes(ext)) return 'python';
  return undefined;
}

function skipped(rel: string): boolean {
  return rel.split('/').some((part) => SKIP_DIRS.has(part));
}

/**
 * The code files of a repository, relative and `/`-separated, sorted. In a git checkout: what git
 * tracks plus untracked files it does not ignore (so `.gitignore` is honoured); elsewhere a walk
 * that skips dependency and build folders.
 */
export async function listCodeFiles(root: string): Promise<string[]> {
  let files: string[];
  if (existsSync(path.join(root, '.git'))) {
    const out = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
    files = [...new Set(out.split('\0').filter(Boolean))];
  } else {
    files = [];
    const walk = async (dir: string, rel: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) await walk(path.join(dir, e.name), r);
        } else if (e.isFile()) files.push(r);
      }
    };
    await walk(root, '');
  }
  return files.filter((f) => !skipped(f) && languageOf(f) !== undefined).sort();
}

/** A NUL byte in the first 8 KiB: the same test git uses to call a file binary. */
export function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8192).includes(0);
}

/** Generated or minified code: a very long line, or very few lines for its size. */
export function looksMinified(text: string): boolean {
  if (text.length < 4000) return false;
  const lines = text.split('\n');
  return lines.some((l) => l.length > 3000) || text.length / lines.length > 500;
}
