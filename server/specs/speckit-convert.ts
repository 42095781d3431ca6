import { parseSpecKitTasks, type SpecKitTask } from './speckit-tasks';

/**
 * Turns the files of a Spec Kit feature folder into a Nightshift spec: the six sections are
 * assembled from what Spec Kit already says (user stories, FR-/SC- items, Given/When/Then
 * scenarios, Out of Scope, plan constraints, contracts/), and tasks.md becomes pre-made tasks.
 * Nothing is invented: a section Spec Kit has no material for is left out, so the completeness
 * score asks the author for it. Pure (browser-safe); the folder loader is in speckit.ts.
 */

export type SpecKitContract = { path: string; content: string; kind: 'openapi' | 'json-schema' | 'other' };
export type SpecKitFiles = { spec: string; plan?: string; tasks?: string; contracts?: { path: string; content: string }[] };
export type ImportedTask = Pick<SpecKitTask, 'id' | 'title' | 'description' | 'files' | 'dependsOn' | 'parallelSafe'> & Partial<Pick<SpecKitTask, 'story' | 'phase' | 'done'>>;
export type ImportedSpec = { title: string; markdown: string; tasks: ImportedTask[]; contracts: SpecKitContract[]; warnings: string[] };

type Block = { heading: string; level: number; lines: string[] };

export function convertSpecKit(files: SpecKitFiles): ImportedSpec {
  const spec = blocks(files.spec);
  const plan = files.plan ? blocks(files.plan) : [];
  const warnings: string[] = [];
  const title = cleanTitle(firstHeading(files.spec) ?? firstHeading(files.plan ?? '') ?? 'Imported Spec Kit feature');

  const whatToBuild: string[] = [];
  const summary = plan.find((b) => /^summary$/i.test(b.heading));
  if (summary) whatToBuild.push(paragraphs(summary.lines), '');
  for (const b of spec) {
    const story = /^user story\s+(\d+)\s*[-–—:]\s*(.+?)(?:\s*\(priority:\s*(P\d+)\))?$/i.exec(b.heading);
    if (story) {
      const intro = b.lines.find((l) => l.trim() && !/^\s*[*<>-]|^\s*\d+\./.test(l));
      whatToBuild.push(`- User story ${story[1]}${story[3] ? ` (${story[3]})` : ''} — ${story[2].trim()}${intro ? `: ${intro.trim()}` : ''}`);
    }
  }
  const requirements = matching(files.spec, /\*\*FR-\d+\*\*/);
  if (requirements.length) whatToBuild.push('', ...requirements.map(listItem));

  const notToBuild = spec.filter((b) => /^(?:out of scope|non-?goals?|what not to build)$/i.test(b.heading)).flatMap((b) => items(b.lines));
  const constraints = planField(files.plan, 'Constraints');
  if (constraints) notToBuild.push(`- Constraints: ${constraints}`);

  const acceptance = [...matching(files.spec, /\*\*Given\*\*|^\s*(?:\d+\.|[-*])\s+Given\b/i), ...matching(files.spec, /\*\*SC-\d+\*\*/)].map(listItem);

  const contracts: SpecKitContract[] = (files.contracts ?? []).map((c) => ({ ...c, kind: contractKind(c.path, c.content) }));
  const deps: string[] = contracts.map((c) => `- Contract \`${c.path}\` (${c.kind})`);
  for (const field of ['Primary Dependencies', 'Storage']) {
    const value = planField(files.plan, field);
    if (value) deps.push(`- ${field}: ${value}`);
  }

  const parsedTasks = files.tasks ? parseSpecKitTasks(files.tasks) : { tasks: [], warnings: [] };
  warnings.push(...parsedTasks.warnings);
  const testing = planField(files.plan, 'Testing');
  const tests = [
    ...matching(files.spec, /\*\*Independent Test\*\*/).map(listItem),
    ...spec.filter((b) => /^edge cases$/i.test(b.heading)).flatMap((b) => items(b.lines)).map((l) => l.replace(/^- /, '- Edge case: ')),
    ...(testing ? [`- Test tools: ${testing}`] : []),
    ...parsedTasks.tasks.filter((t) => /\btests?\b/i.test(t.description)).map((t) => `- ${t.id}: ${t.description}`),
  ];

  const ui = spec.filter((b) => /^(?:ui\s*\/?\s*ux|ui|ux|user interface)$/i.test(b.heading)).map((b) => paragraphs(b.lines));

  const out: string[] = [`# ${title}`, ''];
  const section = (heading: string, body: string[]) => {
    const text = body.join('\n').trim();
    if (text) out.push(`## ${heading}`, '', text, '');
    else warnings.push(`no material for "${heading}" in the Spec Kit files; write that section before submitting`);
  };
  section('What to build', whatToBuild);
  section('What not to build', notToBuild);
  section('Acceptance criteria', acceptance);
  section('Dependencies and contracts', deps);
  section('Test expectations', tests);
  section('UI/UX', ui);

  const tasks: ImportedTask[] = parsedTasks.tasks.map(({ line: _line, ...t }) => t);
  return { title, markdown: out.join('\n'), tasks, contracts, warnings };
}

function firstHeading(markdown: string): string | undefined {
  return /^#\s+(.+)$/m.exec(markdown)?.[1].trim();
}

function cleanTitle(title: string): string {
  return title.replace(/^(?:feature specification|implementation plan|tasks)\s*:\s*/i, '').trim();
}

/** Headings with the lines under them (fenced code kept, HTML comments dropped). */
function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  let fenced = false;
  for (const line of stripComments(markdown).split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^(#{1,6})\s+(.+?)\s*$/.exec(line);
    if (h) {
      current = { heading: h[2].replace(/\*|_/g, '').replace(/\s*\((?:mandatory|optional)[^)]*\)\s*$/i, '').trim(), level: h[1].length, lines: [] };
      out.push(current);
    } else current?.lines.push(line);
  }
  return out;
}

function stripComments(markdown: string): string {
  return markdown.replace(/<!--[\s\S]*?-->/g, '');
}

function matching(markdown: string, re: RegExp): string[] {
  return stripComments(markdown).split(/\r?\n/).filter((l) => re.test(l)).map((l) => l.trim());
}

/** A source line as a plain `- ` item: numbering dropped, bold kept (it is valid Markdown). */
function listItem(line: string): string {
  return `- ${line.replace(/^(?:\d+\.|[-*])\s+/, '').trim()}`;
}

function items(lines: string[]): string[] {
  return lines.filter((l) => /^\s*(?:[-*]|\d+\.)\s+\S/.test(l)).map(listItem);
}

function paragraphs(lines: string[]): string {
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** `**Constraints**: …` from plan.md's Technical Context; NEEDS CLARIFICATION values are kept so the score flags them. */
function planField(plan: string | undefined, name: string): string | undefined {
  if (!plan) return undefined;
  const m = new RegExp(`^\\*\\*${name.replace(/ /g, '\\s+')}\\*\\*\\s*:\\s*(.+)$`, 'im').exec(plan);
  const value = m?.[1].trim();
  return value && !/^(?:n\/a|none)$/i.test(value) ? value : undefined;
}

function contractKind(path: string, content: string): SpecKitContract['kind'] {
  if (/^\s*["']?(?:openapi|swagger)["']?\s*:/m.test(content)) return 'openapi';
  if (/"\$schema"\s*:|^\s*\$schema\s*:/m.test(content) || /schema\.json$/i.test(path)) return 'json-schema';
  return 'other';
}
