import { execFile } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { RepoIndex } from './score';

/**
 * What a checkout holds, for grounding a spec in it: its files (git's list when it is a git
 * checkout, else a walk that skips dependency folders), the identifiers of its source, and its
 * npm scripts. Bounded, so a huge repository costs at most a few seconds.
 */
const MAX_FILES = 200_000;
const MAX_SOURCE_BYTES = 40 * 1024 * 1024;
const MAX_FILE_BYTES = 512 * 1024;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'target', '.next', 'vendor', '.venv', 'venv', '__pycache__', 'coverage']);
const SOURCE_EXT = new Set(['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'go', 'rs', 'java', 'kt', 'rb', 'php', 'cs', 'c', 'h', 'cc', 'cpp', 'hpp', 'swift', 'scala', 'sql', 'graphql', 'proto', 'vue', 'svelte']);

const run = promisify(execFile);

export async function buildRepoIndex(dir: string): Promise<RepoIndex> {
  const files = await listFiles(dir);
  const paths = new Set<string>();
  for (const f of files) {
    paths.add(f);
    // Every parent directory exists too.
    for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) paths.add(f.slice(0, i));
  }
  const symbols = new Set<string>();
  let budget = MAX_SOURCE_BYTES;
  for (const f of files) {
    const dot = f.lastIndexOf('.');
    if (dot < 0 || !SOURCE_EXT.has(f.slice(dot + 1).toLowerCase())) continue;
    if (budget <= 0) break;
    try {
      const st = await stat(join(dir, f));
      if (st.size > MAX_FILE_BYTES) continue;
      budget -= st.size;
      addIdentifiers(await readFile(join(dir, f), 'utf8'), symbols);
    } catch {
      /* unreadable files do not ground anything */
    }
  }
  let scripts: Set<string> | undefined;
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    scripts = new Set(Object.keys(pkg.scripts ?? {}));
  } catch {
    scripts = undefined;
  }
  return {
    has: (p) => paths.has(p.endsWith('/') ? p.slice(0, -1) : p),
    hasSymbol: (name) => symbols.has(name) || symbols.has(name.split('.').pop() ?? name),
    ...(scripts ? { scripts } : {}),
  };
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 256 * 1024 * 1024 });
    const list = stdout.split('\u0000').filter(Boolean);
    if (list.length) return list.slice(0, MAX_FILES);
  } catch {
    /* not a git checkout: walk it */
  }
  const out: string[] = [];
  const walk = async (d: string) => {
    if (out.length >= MAX_FILES) return;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile()) out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out;
}

/** Identifier-like words of source text: a hand-written scan (no regular expression over the file). */
function addIdentifiers(text: string, out: Set<string>): void {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 4 && i - start <= 80) out.add(text.slice(start, i));
      start = -1;
    }
  }
}
