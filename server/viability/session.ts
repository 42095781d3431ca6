import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../repos/git';
import { estimateTokens } from '../agent/token-estimate';
import { RULES, ruleById, type Rule } from './catalogue';
import { languageOf } from './files';
import { scanSource } from './scan';
import { SEVERITY_RANK, type Finding, type Severity } from './types';

/**
 * What a task session does with the project's patterns: tells the architect and developer which
 * ones occur in the task's files (a prompt section), and turns the ones a change introduces into
 * QA findings (the diff guard). Pure of the database: the caller passes the patterns.
 */

export const PATTERNS_SECTION_HEADING = '## Patterns to avoid in this repository';
/** The section's size cap in (estimated) tokens; the most severe patterns go first. */
export const PATTERNS_TOKEN_BUDGET = 700;
/** Files in the same folder as a task file that are scanned too ("neighbours"), at most. */
export const MAX_NEIGHBOUR_FILES = 30;
/** Files above this size are not scanned for the prompt (generated code, bundles). */
const MAX_SCAN_BYTES = 512 * 1024;

/** A pattern as sessions use it: a learned pattern of the project, or a catalogue rule. */
export type ActivePattern = {
  key: string;
  rule: string | null;
  title: string;
  severity: Severity;
  doNot: string;
  instead: string;
  /** Where it was seen, for patterns no rule detects (learned from review findings). */
  example?: { file: string; line?: number; snippet?: string } | null;
};

/** The whole catalogue as patterns: what a run without a project table (the CLI) avoids. */
export function catalogueAsPatterns(): ActivePattern[] {
  return RULES.map((r) => ({ key: r.id, rule: r.id, title: r.title, severity: r.severity, doNot: r.title, instead: r.instead }));
}

/** The task's files (existing ones) and code files next to them, task files first. */
async function filesAround(workspaceDir: string, files: readonly string[]): Promise<{ task: string[]; neighbours: string[] }> {
  const task = [...new Set(files.map((f) => f.replace(/^\.\//, '')))].filter((f) => languageOf(f));
  const neighbours: string[] = [];
  for (const dir of [...new Set(files.map((f) => path.posix.dirname(f.replace(/^\.\//, ''))))]) {
    let entries: string[];
    try {
      entries = (await readdir(path.join(workspaceDir, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    } catch {
      continue; // a folder the task will create
    }
    for (const name of entries) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      if (neighbours.length >= MAX_NEIGHBOUR_FILES) break;
      if (languageOf(rel) && !task.includes(rel) && !neighbours.includes(rel)) neighbours.push(rel);
    }
  }
  return { task, neighbours };
}

async function readCode(workspaceDir: string, file: string): Promise<string | undefined> {
  try {
    const buf = await readFile(path.join(workspaceDir, file));
    return buf.length > MAX_SCAN_BYTES || buf.subarray(0, 8192).includes(0) ? undefined : buf.toString('utf8');
  } catch {
    return undefined;
  }
}

type Entry = { pattern: ActivePattern; file: string; line?: number; snippet?: string; inTask: boolean; more: number };

const inlineCode = (s: string) => {
  const ticks = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1;
  const fence = '`'.repeat(ticks);
  return `${fence}${ticks > 1 ? ' ' : ''}${s}${ticks > 1 ? ' ' : ''}${fence}`;
};

/**
 * The `## Patterns to avoid in this repository` section for a role about to write code in
 * `files`: one `DO NOT: … INSTEAD: …` entry per active pattern present in those files or next
 * to them, with the file and line, most severe first, cut to the token budget. Undefined when no
 * pattern is present (a clean file gets no section).
 */
export async function patternsSection(input: { workspaceDir: string; files: readonly string[]; patterns: readonly ActivePattern[]; budgetTokens?: number }): Promise<string | undefined> {
  if (input.patterns.length === 0 || input.files.length === 0) return undefined;
  const { task, neighbours } = await filesAround(input.workspaceDir, input.files);
  const byRule = new Map<string, ActivePattern>();
  for (const p of input.patterns) if (p.rule && ruleById(p.rule)) byRule.set(p.rule, p);
  const rules: Rule[] = [...byRule.keys()].map((id) => ruleById(id)!);
  const found = new Map<string, Entry>();
  const note = (pattern: ActivePattern, file: string, line: number | undefined, snippet: string | undefined, inTask: boolean) => {
    const e = found.get(pattern.key);
    if (!e) found.set(pattern.key, { pattern, file, line, snippet, inTask, more: 0 });
    else e.more++;
  };
  if (rules.length) {
    for (const file of [...task, ...neighbours]) {
      const text = await readCode(input.workspaceDir, file);
      if (text === undefined) continue;
      const r = await scanSource(file, text, rules);
      for (const f of r.findings) note(byRule.get(f.rule)!, f.file, f.line, f.snippet, task.includes(file));
    }
  }
  // Patterns no rule detects are present where their example was seen.
  const around = new Set([...task, ...neighbours]);
  for (const p of input.patterns) {
    if (p.rule && byRule.has(p.rule)) continue;
    if (p.example && around.has(p.example.file)) note(p, p.example.file, p.example.line, p.example.snippet, task.includes(p.example.file));
  }
  if (found.size === 0) return undefined;

  const entries = [...found.values()].sort(
    (a, b) => SEVERITY_RANK[a.pattern.severity] - SEVERITY_RANK[b.pattern.severity] || Number(b.inTask) - Number(a.inTask) || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  const budget = input.budgetTokens ?? PATTERNS_TOKEN_BUDGET;
  const head = [
    PATTERNS_SECTION_HEADING,
    '',
    'These patterns occur in the files of this task or next to them. Do not copy them into the code you write, and prefer the alternative when you touch a line that has one.',
    '',
  ];
  const lines: string[] = [];
  let used = estimateTokens(head.join('\n'));
  let omitted = 0;
  for (const e of entries) {
    const where = `${e.file}${e.line ? `:${e.line}` : ''}`;
    const line = `- DO NOT: ${e.pattern.doNot} (${where}${e.snippet ? `: ${inlineCode(e.snippet)}` : ''}${e.more ? `; ${e.more} more in these files` : ''}) INSTEAD: ${e.pattern.instead}`;
    const cost = estimateTokens(`${line}\n`);
    if (used + cost > budget) {
      omitted++;
      continue;
    }
    used += cost;
    lines.push(line);
  }
  if (lines.length === 0) return undefined;
  if (omitted) lines.push(`- (${omitted} less severe pattern${omitted === 1 ? '' : 's'} left out to stay within the prompt budget)`);
  return [...head, ...lines].join('\n');
}

/** Lines each file gained, from `git diff --unified=0` (new-side line numbers). */
export function addedLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const name = line.slice(4).trim();
      file = name === '/dev/null' ? undefined : name.replace(/^b\//, '');
      if (file && !out.has(file)) out.set(file, new Set());
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && file) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      for (let i = 0; i < count; i++) out.get(file)!.add(start + i);
    }
  }
  return out;
}

export type GuardFinding = Finding;

/**
 * The diff guard: the patterns a change introduces, found on syntax trees, on new lines only
 * (a line the change did not add is never blamed on it). The change is the worktree (committed
 * or not, untracked files included) against `baseRef`'s fork point.
 */
export async function guardChange(input: { workspaceDir: string; baseRef: string; rules: readonly Rule[] }): Promise<GuardFinding[]> {
  if (input.rules.length === 0) return [];
  const cwd = input.workspaceDir;
  const base = (await git(['merge-base', 'HEAD', input.baseRef], { cwd }).catch(() => input.baseRef)).trim();
  const diff = await git(['diff', '--unified=0', '--no-color', '--no-ext-diff', '--no-renames', base, '--'], { cwd });
  const added = addedLines(diff);
  const untracked = (await git(['ls-files', '-z', '--others', '--exclude-standard'], { cwd })).split('\0').filter(Boolean);
  for (const f of untracked) added.set(f, new Set([Infinity])); // every line of a new file is new
  const out: GuardFinding[] = [];
  for (const [file, lines] of added) {
    if (!languageOf(file) || lines.size === 0) continue;
    const text = await readCode(cwd, file);
    if (text === undefined) continue;
    const r = await scanSource(file, text, input.rules);
    for (const f of r.findings) if (lines.has(Infinity) || lines.has(f.line)) out.push(f);
  }
  return out.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.file.localeCompare(b.file) || a.line - b.line);
}

/** The rules the guard checks: the catalogue minus the ones the project switched off. */
export function guardRules(disabledRules: readonly string[] = []): Rule[] {
  return RULES.filter((r) => !disabledRules.includes(r.id));
}
