import { isClarificationMention } from './signals';
import { parseSpecKitTasks, type SpecKitTask, type TaskEdge, type TaskState } from './speckit-tasks';

/**
 * A Spec Kit feature folder → one Nightshift spec that keeps everything: `spec.md` verbatim (its
 * title becomes the spec's title), then plan.md, research.md, data-model.md, quickstart.md,
 * contracts/, checklists/, tasks.md and any other Markdown of the folder, each under its own
 * heading with its headings moved one level down. tasks.md also becomes the imported tasks (the
 * plan), every clarification marker of every file is listed, and anything that could not be used
 * is a warning. Pure (browser-safe); reading the folder is speckit.ts.
 */

export type SpecKitFile = { path: string; content: string };
export type SpecKitContract = { path: string; content: string; kind: 'openapi' | 'json-schema' | 'other' };
export type ImportedTask = {
  id: string;
  title: string;
  description: string;
  files: string[];
  dependsOn: string[];
  /** Why each dependency exists: explicit in tasks.md, task order, a [P] group, a sub-heading, a phase, a shared file. */
  edges: TaskEdge[];
  parallelSafe: boolean;
  story?: string;
  tags: string[];
  phase: string;
  group?: string;
  state: TaskState;
  done: boolean;
  line: number;
};
export type ImportedClarification = { file: string; line: number; text: string; open: boolean };
export type ImportedDocument = { path: string; role: DocumentRole; chars: number };
export type DocumentRole = 'spec' | 'plan' | 'research' | 'data-model' | 'quickstart' | 'contract' | 'checklist' | 'tasks' | 'other';
export type ImportedSpec = {
  title: string;
  markdown: string;
  tasks: ImportedTask[];
  contracts: SpecKitContract[];
  clarifications: ImportedClarification[];
  documents: ImportedDocument[];
  warnings: string[];
  /** Set when tasks.md's explicit dependencies form a cycle (the import then cannot be planned). */
  cycle?: string[];
};

const ORDER: Array<{ role: DocumentRole; heading: string; match: (p: string) => boolean }> = [
  { role: 'plan', heading: 'Implementation plan', match: (p) => p === 'plan.md' },
  { role: 'research', heading: 'Research', match: (p) => p === 'research.md' },
  { role: 'data-model', heading: 'Data model', match: (p) => p === 'data-model.md' },
  { role: 'contract', heading: 'Contracts', match: (p) => p.startsWith('contracts/') },
  { role: 'quickstart', heading: 'Quickstart', match: (p) => p === 'quickstart.md' },
  { role: 'checklist', heading: 'Checklists', match: (p) => p.startsWith('checklists/') },
  { role: 'tasks', heading: 'Tasks', match: (p) => p === 'tasks.md' },
];

export function convertSpecKit(input: SpecKitFile[]): ImportedSpec {
  const warnings: string[] = [];
  const files = input.map((f) => ({ path: normalizePath(f.path), content: f.content })).sort((a, b) => a.path.localeCompare(b.path));
  const spec = files.find((f) => f.path === 'spec.md');
  const documents: ImportedDocument[] = [];
  const specText = spec?.content ?? '';
  if (!spec) warnings.push('the folder has no spec.md; the imported spec is assembled from the other files');
  const title = cleanTitle(firstHeading(specText) ?? firstHeading(files.find((f) => f.path === 'plan.md')?.content ?? '') ?? 'Imported Spec Kit feature');

  const out: string[] = [`# ${title}`, ''];
  if (spec) {
    documents.push({ path: 'spec.md', role: 'spec', chars: spec.content.length });
    out.push(withoutFirstHeading(spec.content).trim(), '');
  }

  const used = new Set<string>(['spec.md']);
  const contracts: SpecKitContract[] = [];
  for (const section of ORDER) {
    const group = files.filter((f) => !used.has(f.path) && section.match(f.path));
    if (group.length === 0) continue;
    out.push(`## ${section.heading} (${group.length === 1 ? group[0].path : `${section.role === 'contract' ? 'contracts' : 'checklists'}/`})`, '');
    for (const f of group) {
      used.add(f.path);
      documents.push({ path: f.path, role: section.role, chars: f.content.length });
      if (group.length > 1 || section.role === 'contract' || section.role === 'checklist') out.push(`### ${f.path}`, '');
      if (section.role === 'contract') {
        const kind = contractKind(f.path, f.content);
        contracts.push({ path: f.path, content: f.content, kind });
        out.push(isMarkdown(f.path) ? demote(withoutFirstHeading(f.content), 3).trim() : fenced(f.content, languageOf(f.path)), '');
      } else {
        out.push(demote(withoutFirstHeading(f.content), group.length > 1 ? 3 : 2).trim(), '');
      }
    }
  }
  const others = files.filter((f) => !used.has(f.path));
  if (others.length) {
    out.push('## Other documents of the feature folder', '');
    for (const f of others) {
      documents.push({ path: f.path, role: 'other', chars: f.content.length });
      out.push(`### ${f.path}`, '', isMarkdown(f.path) ? demote(withoutFirstHeading(f.content), 3).trim() : fenced(f.content, languageOf(f.path)), '');
    }
  }

  // Every clarification marker of every file, open or only mentioned.
  const clarifications: ImportedClarification[] = [];
  for (const f of files) clarifications.push(...findClarifications(f.path, f.content));
  const open = clarifications.filter((c) => c.open);
  if (open.length) warnings.push(`${open.length} open [NEEDS CLARIFICATION] marker${open.length === 1 ? '' : 's'} (${open.slice(0, 3).map((c) => `${c.file}:${c.line}`).join(', ')}${open.length > 3 ? ', …' : ''}); the spec cannot be accepted until they are answered`);

  const tasksFile = files.find((f) => f.path === 'tasks.md');
  const parsed = tasksFile ? parseSpecKitTasks(tasksFile.content) : { tasks: [] as SpecKitTask[], warnings: [] as string[] };
  if (!tasksFile) warnings.push('the folder has no tasks.md; the planner will plan this spec');
  warnings.push(...parsed.warnings);
  const tasks: ImportedTask[] = parsed.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    description: t.description,
    files: t.files,
    dependsOn: t.dependsOn,
    edges: t.edges,
    parallelSafe: t.parallelSafe,
    ...(t.story ? { story: t.story } : {}),
    tags: t.tags,
    phase: t.phase,
    ...(t.group ? { group: t.group } : {}),
    state: t.state,
    done: t.done,
    line: t.line,
  }));

  return {
    title,
    markdown: `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`,
    tasks,
    contracts,
    clarifications,
    documents,
    warnings,
    ...('cycle' in parsed && parsed.cycle ? { cycle: parsed.cycle } : {}),
  };
}

/** Clarification markers with their lines; "No [NEEDS CLARIFICATION] markers remain" is a mention, not an open question. */
export function findClarifications(file: string, content: string): ImportedClarification[] {
  const out: ImportedClarification[] = [];
  const upper = content.toUpperCase();
  if (!upper.includes('NEEDS CLARIFICATION')) return out;
  // Lines inside fenced code (a regex or an example that names the marker) are not open questions.
  const fencedLines = new Set<number>();
  {
    let fence = '';
    const lines = content.split('\n');
    for (let k = 0; k < lines.length; k++) {
      const f = fenceStep(fence, lines[k].trimStart());
      if (f.inFence || fence) fencedLines.add(k + 1);
      fence = f.fence;
    }
  }
  let from = 0;
  let line = 1;
  let lineStart = 0;
  for (;;) {
    const at = upper.indexOf('NEEDS CLARIFICATION', from);
    if (at < 0) break;
    for (let k = lineStart; k < at; k++) {
      if (content.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    lineStart = Math.max(lineStart, 0);
    const lineEnd = content.indexOf('\n', at);
    const lineText = content.slice(content.lastIndexOf('\n', at) + 1, lineEnd < 0 ? content.length : lineEnd);
    const bracketed = content[at - 1] === '[';
    const close = bracketed ? content.indexOf(']', at) : -1;
    const text = bracketed && close > 0 && close - at < 400 ? content.slice(at - 1, close + 1) : lineText.trim();
    const inner = bracketed && close > 0 ? content.slice(at, close) : '';
    const inCode = countBackticksBefore(lineText, at - (content.lastIndexOf('\n', at) + 1)) % 2 === 1;
    // The same rule as the gate: a question after the marker makes it open; a bare marker in a
    // sentence about markers is a mention.
    const mention = !bracketed || inCode || fencedLines.has(line) || isClarificationMention(lineText, inner);
    out.push({ file, line, text, open: !mention });
    from = at + 1;
  }
  return out;
}

function countBackticksBefore(line: string, pos: number): number {
  let n = 0;
  for (let i = 0; i < pos && i < line.length; i++) if (line[i] === '`') n++;
  return n;
}

function normalizePath(p: string): string {
  let t = p.split('\\').join('/');
  while (t.startsWith('./')) t = t.slice(2);
  return t;
}

function firstHeading(markdown: string): string | undefined {
  for (const line of markdown.split('\n')) {
    const t = line.trim();
    if (t.startsWith('# ')) return t.slice(2).trim();
  }
  return undefined;
}

function cleanTitle(title: string): string {
  const lower = title.toLowerCase();
  for (const prefix of ['feature specification:', 'implementation plan:', 'tasks:', 'feature:', 'spec:']) {
    if (lower.startsWith(prefix)) return title.slice(prefix.length).trim() || title;
  }
  return title.trim();
}

/**
 * The document without its first level-1 heading (the title, which the import puts on top once).
 * YAML front matter is kept as a fenced `yaml` block, where it cannot be mistaken for headings.
 */
function withoutFirstHeading(markdown: string): string {
  const lines = frontMatterFenced(markdown).split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith('# '));
  if (i >= 0 && lines.slice(0, i).every((l) => !l.trim() || l.trim() === '---' || l.includes(':'))) lines.splice(i, 1);
  return lines.join('\n');
}

function frontMatterFenced(markdown: string): string {
  if (!markdown.startsWith('---\n') && !markdown.startsWith('---\r\n')) return markdown;
  const end = markdown.indexOf('\n---', 3);
  if (end < 0 || end > 4000) return markdown;
  const after = markdown.indexOf('\n', end + 4);
  const body = markdown.slice(markdown.indexOf('\n') + 1, end);
  return `\`\`\`yaml\n${body}\n\`\`\`\n${after < 0 ? '' : markdown.slice(after + 1)}`;
}

/** Setext headings (`Title` over `===`/`---`) written as ATX, so demoting moves them too. */
function setextToAtx(lines: string[]): string[] {
  const out: string[] = [];
  let fence = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const t = l.trim();
    const f = fenceStep(fence, t);
    if (f.inFence) {
      fence = f.fence;
      out.push(l);
      continue;
    }
    fence = f.fence;
    const prev = out.length ? out[out.length - 1].trim() : '';
    const prevPrev = out.length > 1 ? out[out.length - 2].trim() : '';
    const underline = t.length >= 2 && (isAll(t, '=') || (t.length >= 3 && isAll(t, '-')));
    const metadata = prev.startsWith('**') || (prev.indexOf(':') > 0 && prev.indexOf(':') < 40);
    if (underline && prev && !prevPrev && !prev.startsWith('#') && !prev.startsWith('-') && !prev.startsWith('|') && !(t[0] === '-' && metadata)) {
      out[out.length - 1] = `${t[0] === '=' ? '#' : '##'} ${prev}`;
      continue;
    }
    out.push(l);
  }
  return out;
}

/**
 * One line of fence tracking: a fence opens with 3+ backticks or tildes and closes only with a run
 * of the same character at least as long (so a ```` fence may hold ``` lines). `inFence` is true for
 * the fence lines themselves and everything between them.
 */
function fenceStep(fence: string, t: string): { fence: string; inFence: boolean } {
  const ch = t[0];
  if (ch !== '`' && ch !== '~') return { fence, inFence: fence !== '' };
  let n = 0;
  while (n < t.length && t[n] === ch) n++;
  if (n < 3) return { fence, inFence: fence !== '' };
  if (!fence) return { fence: ch.repeat(n), inFence: true };
  if (ch === fence[0] && n >= fence.length && !t.slice(n).trim()) return { fence: '', inFence: true };
  return { fence, inFence: true };
}

function isAll(t: string, ch: string): boolean {
  for (let i = 0; i < t.length; i++) if (t[i] !== ch) return false;
  return true;
}

/** Moves every ATX heading down so the document sits under its own heading; fenced code untouched. */
function demote(markdown: string, minLevel: number): string {
  const lines = setextToAtx(markdown.split('\n'));
  let top = 7;
  let fence = '';
  for (const l of lines) {
    const t = l.trimStart();
    const f = fenceStep(fence, t);
    fence = f.fence;
    if (f.inFence) continue;
    const level = headingLevel(t);
    if (level) top = Math.min(top, level);
  }
  if (top === 7) return markdown;
  const shift = Math.max(0, minLevel + 1 - top);
  fence = '';
  return lines
    .map((l) => {
      const t = l.trimStart();
      const f = fenceStep(fence, t);
      fence = f.fence;
      if (f.inFence) return l;
      const level = headingLevel(t);
      return level ? `${'#'.repeat(Math.min(6, level + shift))}${t.slice(level)}` : l;
    })
    .join('\n');
}

function headingLevel(t: string): number {
  let n = 0;
  while (n < t.length && t[n] === '#') n++;
  return n >= 1 && n <= 6 && (t[n] === ' ' || n === t.length) ? n : 0;
}

function fenced(content: string, lang: string): string {
  let fence = '```';
  while (content.includes(fence)) fence += '`';
  return `${fence}${lang}\n${content.trimEnd()}\n${fence}`;
}

function isMarkdown(p: string): boolean {
  return p.endsWith('.md') || p.endsWith('.markdown');
}

function languageOf(p: string): string {
  const ext = p.slice(p.lastIndexOf('.') + 1).toLowerCase();
  return ext === 'yml' ? 'yaml' : ext;
}

function contractKind(path: string, content: string): SpecKitContract['kind'] {
  const head = content.slice(0, 2000);
  if (head.includes('openapi:') || head.includes('"openapi"') || head.includes('swagger:') || head.includes('"swagger"')) return 'openapi';
  if (head.includes('"$schema"') || head.includes('$schema:') || path.endsWith('schema.json')) return 'json-schema';
  return 'other';
}
