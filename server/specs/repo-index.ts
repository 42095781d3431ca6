import { execFile, spawn } from 'node:child_process';
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
  const symbols = new Set<string>();
  let budget = MAX_SOURCE_BYTES;
  for (const f of files) {
    if (!isSource(f)) continue;
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
  let pkg: string | null = null;
  try {
    pkg = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    pkg = null;
  }
  return assemble(files, symbols, pkg);
}

/**
 * The same index for one commit of a repository (a bare mirror on the server): its tree, the
 * identifiers of its source blobs (read in one `git cat-file --batch`), its package.json scripts.
 */
export async function buildRepoIndexAtCommit(gitDir: string, rev: string): Promise<RepoIndex> {
  const { stdout } = await run('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-l', '-z', rev], { maxBuffer: 256 * 1024 * 1024 });
  const files: string[] = [];
  const blobs: string[] = [];
  let budget = MAX_SOURCE_BYTES;
  let pkgBlob: string | null = null;
  for (const entry of stdout.split('\u0000')) {
    // "<mode> <type> <object> <size>\t<path>"
    const tab = entry.indexOf('\t');
    if (tab < 0 || files.length >= MAX_FILES) continue;
    const path = entry.slice(tab + 1);
    const meta = entry.slice(0, tab).split(' ').filter(Boolean);
    if (meta[1] !== 'blob') continue;
    files.push(path);
    if (path === 'package.json') pkgBlob = meta[2];
    const size = Number(meta[3]);
    if (isSource(path) && size <= MAX_FILE_BYTES && budget > 0) {
      budget -= size;
      blobs.push(meta[2]);
    }
  }
  const symbols = new Set<string>();
  let pkg: string | null = null;
  const wanted = pkgBlob ? [...blobs, pkgBlob] : blobs;
  const contents = await catBlobs(gitDir, wanted);
  contents.forEach((text, i) => {
    if (i < blobs.length) addIdentifiers(text, symbols);
    else pkg = text;
  });
  return assemble(files, symbols, pkg);
}

function isSource(path: string): boolean {
  const dot = path.lastIndexOf('.');
  return dot >= 0 && SOURCE_EXT.has(path.slice(dot + 1).toLowerCase());
}

function assemble(files: string[], symbols: Set<string>, packageJson: string | null): RepoIndex {
  const paths = new Set<string>();
  for (const f of files) {
    paths.add(f);
    // Every parent directory exists too.
    for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) paths.add(f.slice(0, i));
  }
  let scripts: Set<string> | undefined;
  try {
    const pkg = packageJson === null ? null : (JSON.parse(packageJson) as { scripts?: Record<string, unknown> });
    scripts = pkg ? new Set(Object.keys(pkg.scripts ?? {})) : undefined;
  } catch {
    scripts = undefined;
  }
  return {
    has: (p) => paths.has(p.endsWith('/') ? p.slice(0, -1) : p),
    hasSymbol: (name) => symbols.has(name) || symbols.has(name.split('.').pop() ?? name),
    ...(scripts ? { scripts } : {}),
  };
}

/** The contents of these blobs, in order, through one `git cat-file --batch`. */
function catBlobs(gitDir: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited ${code}`));
      const out = Buffer.concat(chunks);
      const texts: string[] = [];
      let at = 0;
      while (at < out.length) {
        const nl = out.indexOf(10, at);
        if (nl < 0) break;
        const header = out.subarray(at, nl).toString('utf8').split(' ');
        at = nl + 1;
        if (header[1] === 'missing') {
          texts.push('');
          continue;
        }
        const size = Number(header[2]);
        texts.push(out.subarray(at, at + size).toString('utf8'));
        at += size + 1;
      }
      resolvePromise(texts);
    });
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
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
