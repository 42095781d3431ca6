/**
 * Builds an edit corpus in the shared corpus's format from real changes of *other* code, so the edit
 * engine can be checked beyond the files it was tuned on: the hunks of a git repository's history
 * (`--repo`), or the differences between two versions of a package (`--pair OLD_DIR NEW_DIR`).
 *
 *   tsx bench/make-edit-corpus.ts --repo PATH [--repo PATH…] [--pair OLD NEW…] --out FILE.jsonl.gz
 *   npm run bench:edit -- --corpus FILE.jsonl.gz --show-failures
 *
 * Each hunk of a real change becomes one case of one perturbation kind (the kinds of
 * ../shared/bench/README.md): the search is the hunk's old lines (widened with surrounding lines until
 * it stands once in the file), the replace its new lines, and the expected content is the file with
 * that one hunk applied. The perturbations are written here from the kinds' descriptions:
 *
 * - `dedented` removes the indentation common to both sides' non-blank lines and keeps blank
 *   lines, as the shared corpus does. Where a new line is whitespace only, the request no longer
 *   says how it was indented, so such a case is filed under `dedented-lossy` and reported apart.
 * - `blank-line-drift` drops or adds one blank line between two lines of the search; where the run
 *   of blank lines it changes reaches the search's edge, the case is filed under
 *   `blank-line-drift-lossy` (the request then leaves the blank lines at that junction open).
 * - `tabs-spaces` writes the file's tabs as 4 spaces, or 4 spaces as tabs; where lines of the change
 *   are already indented the other way, the case is filed under `tabs-spaces-lossy`.
 * - `one-line-stale` changes one search line's quote style or final semicolon.
 * - `ambiguous` and `not-present` expect a refusal.
 *
 * Deterministic for a given source and `--seed`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { isBlank, leadingWhitespace } from '../server/edit/indentation';
import { seededRandom as rng } from '../test/support/seeded-random';

type Change = { mode: 'create'; content: string } | { mode: 'replace'; search: string; replace: string };
type Case = {
  id: string;
  kind: string;
  repo: string;
  path: string;
  content: string | null;
  changes: Change[];
  expect: { ok: true; content: string } | { ok: false };
};
/** One hunk of a real change: lines [oldStart, oldStart + oldLines.length) of `before` became `newLines`. */
type Hunk = { source: string; path: string; before: string; oldStart: number; oldLines: string[]; newLines: string[] };
type Added = { source: string; path: string; content: string };

const CODE = /\.(ts|tsx|js|mjs|cjs|jsx|py|pyi|go|rs|java|rb|c|h|cc|cpp|css|scss|sh|md)$/;
const KINDS = [
  'exact',
  'trailing-ws',
  'dedented',
  'tabs-spaces',
  'line-numbers',
  'blank-line-drift',
  'elided-middle',
  'one-line-stale',
  'crlf-file',
  'ambiguous',
  'not-present',
] as const;


const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });

/** Parses `git diff -U0` output into hunks, reading each old file through `readBefore`. */
function parseDiff(
  diff: string,
  source: string,
  readBefore: (path: string) => string | null,
  readAfter: (path: string) => string | null,
): { hunks: Hunk[]; added: Added[] } {
  const hunks: Hunk[] = [];
  const added: Added[] = [];
  const files = diff.split(/^diff --git /m).slice(1);
  for (const block of files) {
    const oldPath = /^--- (?:a\/)?(.+)$/m.exec(block)?.[1];
    const newPath = /^\+\+\+ (?:b\/)?(.+)$/m.exec(block)?.[1];
    if (!oldPath || !newPath || block.includes('\nBinary files')) continue;
    if (oldPath === '/dev/null') {
      if (!CODE.test(newPath)) continue;
      const content = readAfter(newPath);
      if (content && content.length < 60_000) added.push({ source, path: newPath, content });
      continue;
    }
    if (newPath === '/dev/null' || !CODE.test(oldPath)) continue;
    const before = readBefore(oldPath);
    if (before === null || before.includes('\r') || before.length > 400_000) continue;
    const lines = block.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[i]);
      if (!m) continue;
      const oldLines: string[] = [];
      const newLines: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !lines[j].startsWith('@@'); j++) {
        if (lines[j].startsWith('-')) oldLines.push(lines[j].slice(1));
        else if (lines[j].startsWith('+')) newLines.push(lines[j].slice(1));
      }
      const count = m[2] === undefined ? 1 : Number(m[2]);
      // With -U0 a pure insertion reports the line *after which* it goes.
      const oldStart = count === 0 ? Number(m[1]) : Number(m[1]) - 1;
      if (oldLines.length !== count) continue;
      hunks.push({ source, path: oldPath, before, oldStart, oldLines, newLines });
      i = j - 1;
    }
  }
  return { hunks, added };
}

function fromRepo(repo: string, maxCommits: number): { hunks: Hunk[]; added: Added[] } {
  const name = repo.replace(/\/+$/, '').split('/').pop() ?? repo;
  const commits = git(repo, ['log', '--no-merges', '--format=%H %P', `-n${maxCommits}`])
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((p) => p.length === 2);
  const hunks: Hunk[] = [];
  const added: Added[] = [];
  for (const [commit, parent] of commits) {
    const diff = git(repo, ['diff', '-U0', '--no-color', '--no-renames', '--no-ext-diff', parent, commit]);
    const show = (rev: string) => (p: string) => {
      try {
        return git(repo, ['show', `${rev}:${p}`]);
      } catch {
        return null;
      }
    };
    const got = parseDiff(diff, `${name}@${commit.slice(0, 8)}`, show(parent), show(commit));
    hunks.push(...got.hunks);
    added.push(...got.added);
  }
  return { hunks, added };
}

function fromPair(oldDir: string, newDir: string): { hunks: Hunk[]; added: Added[] } {
  let diff = '';
  try {
    diff = git(process.cwd(), ['diff', '--no-index', '-U0', '--no-color', '--no-renames', '--no-ext-diff', oldDir, newDir]);
  } catch (err) {
    diff = String((err as { stdout?: string }).stdout ?? ''); // exit 1 = there are differences
  }
  // `git diff --no-index` names files by their path from the working directory; map them back.
  const strip = (p: string, dir: string) => relative(dir, '/' + p.replace(/^\/+/, ''));
  const read = (p: string) => {
    try {
      return readFileSync('/' + p.replace(/^\/+/, ''), 'utf8');
    } catch {
      return null;
    }
  };
  const got = parseDiff(diff, `${oldDir.split('/').pop()}→${newDir.split('/').pop()}`, read, read);
  for (const h of got.hunks) h.path = strip(h.path, oldDir);
  for (const a of got.added) a.path = strip(a.path, newDir);
  return got;
}

// --- perturbations --------------------------------------------------------------------------------

const join = (lines: string[]) => (lines.length ? lines.join('\n') + '\n' : '');
const count = (hay: string, needle: string) => (needle ? hay.split(needle).length - 1 : 0);

/** The hunk widened by context lines until its old text stands exactly once in the file. */
function anchored(h: Hunk): { start: number; old: string[]; neu: string[] } | null {
  const file = h.before.split('\n');
  let start = h.oldStart;
  let end = h.oldStart + h.oldLines.length;
  const build = () => ({
    start,
    old: file.slice(start, end),
    neu: [...file.slice(start, h.oldStart), ...h.newLines, ...file.slice(h.oldStart + h.oldLines.length, end)],
  });
  for (let step = 0; step < 8; step++) {
    const { old } = build();
    if (old.some((l) => !isBlank(l)) && count(h.before, join(old)) === 1) return build();
    // Prefer a line above; an insertion at the top of a file grows downwards.
    if ((step % 2 === 0 || end >= file.length - 1) && start > 0) start--;
    else if (end < file.length - 1) end++;
    else if (start > 0) start--;
    else return null;
  }
  return null;
}

function expected(h: Hunk): string {
  const file = h.before.split('\n');
  return [...file.slice(0, h.oldStart), ...h.newLines, ...file.slice(h.oldStart + h.oldLines.length)].join('\n');
}

function commentMarker(path: string): string {
  if (/\.(py|rb|sh)$/.test(path)) return '# ...';
  if (/\.(md|css|scss)$/.test(path)) return '...';
  return '// ... existing code ...';
}

function stale(line: string): string | null {
  if (line.includes("'") && !line.includes('"')) return line.replace(/'/g, '"');
  if (line.includes('"') && !line.includes("'")) return line.replace(/"/g, "'");
  if (/;\s*$/.test(line)) return line.replace(/;(\s*)$/, '$1');
  if (/[)\w]\s*$/.test(line) && !/^\s*(\/\/|#|\*)/.test(line)) return line.replace(/(\s*)$/, ';$1');
  return null;
}

type Made = { kind: string; content: string; search: string; replace: string; expect: Case['expect'] } | null;

/** Hunks longer than this (a rewritten file, a regenerated bundle) are not edits a model writes. */
const MAX_HUNK_LINES = 60;

function perturb(kind: (typeof KINDS)[number], h: Hunk, r: () => number): Made {
  if (h.oldLines.length > MAX_HUNK_LINES || h.newLines.length > MAX_HUNK_LINES) return null;
  if ([...h.oldLines, ...h.newLines].some((l) => l.length > 400)) return null;
  const a = anchored(h);
  if (!a) return null;
  const want = expected(h);
  const ok = (k: string, search: string, replace: string, content = h.before, expect = want): Made => ({
    kind: k,
    content,
    search,
    replace,
    expect: { ok: true, content: expect },
  });
  const file = h.before.split('\n');
  switch (kind) {
    case 'exact':
      return ok(kind, join(a.old), join(a.neu));
    case 'trailing-ws':
      return ok(kind, join(a.old.map((l) => l + ' '.repeat(1 + Math.floor(r() * 3)))), join(a.neu));
    case 'dedented': {
      // Both sides lose the indentation common to all their non-blank lines; blank lines stay.
      const nonBlank = [...a.old, ...a.neu].filter((l) => !isBlank(l));
      if (!nonBlank.length) return null;
      const cut = Math.min(...nonBlank.map((l) => leadingWhitespace(l).length));
      if (cut === 0) return null;
      const prefix = nonBlank[0].slice(0, cut);
      if (nonBlank.some((l) => !l.startsWith(prefix))) return null; // tabs on some lines, spaces on others
      const strip = (l: string) => (isBlank(l) ? l.slice(Math.min(cut, l.length)) : l.slice(cut));
      // A whitespace-only new line loses indentation the request no longer shows.
      const lossy = a.neu.some((l) => isBlank(l) && l !== '');
      return ok(lossy ? 'dedented-lossy' : kind, join(a.old.map(strip)), join(a.neu.map(strip)));
    }
    case 'tabs-spaces': {
      const hasTabs = a.old.some((l) => leadingWhitespace(l).includes('\t'));
      const hasFour = a.old.some((l) => leadingWhitespace(l).includes('    '));
      if (!hasTabs && !hasFour) return null;
      const swap = (l: string) => {
        const ind = leadingWhitespace(l);
        const out = hasTabs ? ind.replace(/\t/g, '    ') : ind.replace(/ {4}/g, '\t');
        return out + l.slice(ind.length);
      };
      // Lines already indented the other way (a change that re-indents with spaces in a tab file,
      // or the reverse) look, once swapped, like the swapped ones: the request no longer says which
      // to put back. Filed apart as `tabs-spaces-lossy`.
      const other = hasTabs ? / / : /\t/;
      const lossy = [...a.old, ...a.neu].some((l) => !isBlank(l) && other.test(leadingWhitespace(l)));
      return ok(lossy ? 'tabs-spaces-lossy' : kind, join(a.old.map(swap)), join(a.neu.map(swap)));
    }
    case 'line-numbers': {
      const style = Math.floor(r() * 3);
      const num = (l: string, i: number) => {
        const n = a.start + i + 1;
        return style === 0 ? `${String(n).padStart(6)}\t${l}` : style === 1 ? `${n} | ${l}` : `${n}: ${l}`;
      };
      return ok(kind, join(a.old.map(num)), join(a.neu));
    }
    case 'blank-line-drift': {
      // A blank line dropped or added between two lines. Where the changed run of blank lines
      // reaches the search's edge, the request no longer says how many blank lines the file has
      // there against how many the replacement keeps: such a case is filed apart as
      // `blank-line-drift-lossy`.
      const code = (l: string) => !isBlank(l);
      const between = (lines: string[], i: number) => lines.slice(0, i).some(code) && lines.slice(i + 1).some(code);
      const blanks = a.old.map((l, i) => (isBlank(l) && i > 0 && i < a.old.length - 1 ? i : -1)).filter((i) => i >= 0);
      if (blanks.length && r() < 0.6) {
        const drop = blanks[Math.floor(r() * blanks.length)];
        return ok(between(a.old, drop) ? kind : 'blank-line-drift-lossy', join(a.old.filter((_, i) => i !== drop)), join(a.neu));
      }
      if (a.old.length < 2) return null;
      const at = 1 + Math.floor(r() * (a.old.length - 1));
      const added = [...a.old.slice(0, at), '', ...a.old.slice(at)];
      return ok(between(added, at) ? kind : 'blank-line-drift-lossy', join(added), join(a.neu));
    }
    case 'elided-middle': {
      // The hunk plus lines below it, the unchanged middle of both sides written as one marker.
      const end = h.oldStart + h.oldLines.length;
      const below = file.slice(end, Math.min(end + 5, file.length - 1));
      if (below.length < 4 || below.slice(0, 3).every(isBlank) || below.slice(3).every(isBlank)) return null;
      const head = a.old.slice(0, h.oldStart - a.start + h.oldLines.length);
      const headNew = a.neu.slice(0, h.oldStart - a.start + h.newLines.length);
      if (!head.some((l) => !isBlank(l))) return null;
      const marker = leadingWhitespace(below[0]) + commentMarker(h.path);
      const tail = below.slice(3);
      const search = join([...head, marker, ...tail]);
      const replace = join([...headNew, marker, ...tail]);
      return ok(kind, search, replace);
    }
    case 'one-line-stale': {
      if (a.old.filter((l) => !isBlank(l)).length < 3) return null;
      const order = a.old.map((_, i) => i).sort(() => r() - 0.5);
      for (const i of order) {
        const s = stale(a.old[i]);
        if (s === null || s === a.old[i]) continue;
        // Only where the stale line is unchanged by the commit: a misremembered line the edit keeps.
        if (!a.neu.includes(a.old[i])) continue;
        const old = [...a.old];
        old[i] = s;
        return ok(kind, join(old), join(a.neu));
      }
      return null;
    }
    case 'crlf-file':
      return ok(kind, join(a.old), join(a.neu), h.before.replace(/\n/g, '\r\n'), want.replace(/\n/g, '\r\n'));
    case 'ambiguous': {
      const seen = new Map<string, number>();
      for (const l of file) if (l.trim().length > 8) seen.set(l, (seen.get(l) ?? 0) + 1);
      const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([l]) => l);
      if (!twice.length) return null;
      const line = twice[Math.floor(r() * twice.length)];
      return { kind, content: h.before, search: line + '\n', replace: line + ' /* changed */\n', expect: { ok: false } };
    }
    case 'not-present': {
      const line = a.old.find((l) => l.trim().length > 8);
      if (!line) return null;
      const rev = leadingWhitespace(line) + 'zz_' + [...line.trim()].reverse().join('');
      if (h.before.includes(rev)) return null;
      return { kind, content: h.before, search: rev + '\n', replace: line + '\n', expect: { ok: false } };
    }
  }
}

function main(): number {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', multiple: true },
      pair: { type: 'string', multiple: true },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'max-commits': { type: 'string', default: '400' },
      'max-cases': { type: 'string', default: '3000' },
    },
    allowPositionals: true,
  });
  if (!values.out || (!values.repo?.length && !values.pair?.length)) {
    console.error('usage: tsx bench/make-edit-corpus.ts --repo PATH… [--pair OLD_DIR --pair NEW_DIR…] --out FILE.jsonl.gz');
    return 2;
  }
  const hunks: Hunk[] = [];
  const added: Added[] = [];
  for (const repo of values.repo ?? []) {
    const got = fromRepo(repo, Number(values['max-commits']));
    hunks.push(...got.hunks);
    added.push(...got.added);
  }
  const pairs = values.pair ?? [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const got = fromPair(pairs[i], pairs[i + 1]);
    hunks.push(...got.hunks);
    added.push(...got.added);
  }
  const r = rng(Number(values.seed));
  const cases: Case[] = [];
  const max = Number(values['max-cases']);
  let n = 0;
  for (const h of hunks) {
    if (cases.length >= max) break;
    // Each hunk tries the kinds in a rotating order and takes the first that applies to it.
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(n + k) % KINDS.length];
      const made = perturb(kind, h, r);
      if (!made) continue;
      cases.push({
        id: `${h.source}:${h.path}:${h.oldStart + 1}`,
        kind: made.kind,
        repo: h.source,
        path: h.path,
        content: made.content,
        changes: [{ mode: 'replace', search: made.search, replace: made.replace }],
        expect: made.expect,
      });
      break;
    }
    n++;
  }
  for (const a of added.slice(0, Math.ceil(cases.length / 10))) {
    cases.push({
      id: `${a.source}:${a.path}:new`,
      kind: 'create',
      repo: a.source,
      path: a.path,
      content: null,
      changes: [{ mode: 'create', content: a.content }],
      expect: { ok: true, content: a.content },
    });
  }
  writeFileSync(values.out, gzipSync(cases.map((c) => JSON.stringify(c)).join('\n') + '\n'));
  const kinds: Record<string, number> = {};
  for (const c of cases) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
  console.log(JSON.stringify({ out: values.out, hunks: hunks.length, cases: cases.length, kinds }));
  return 0;
}

process.exitCode = main();
