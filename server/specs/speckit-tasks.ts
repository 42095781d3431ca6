import { looksLikePath } from './signals';

/**
 * Spec Kit `tasks.md` → tasks with dependencies, keeping everything the file says.
 *
 * Read by a hand-written line scanner (no regular expression over the file):
 * - task lines: `- [ ] T001 …`, `- [x] **T001** …`, `- [X] T003b …`, `- [~] A001 …`, `* [ ] T012.5: …`,
 *   `- [ ] T021A …`, `- [X] T045-TEST …`, a range `- [~] T062-T067 …` (one task per id), a table row
 *   whose first cell is an id, and `### T001: Title` task headings;
 * - states `[ ]` todo, `[x]`/`[X]` done, `[~]`/`[/]`/`[-]` partial (not done: it runs again);
 * - `[P]` anywhere on the first line, story tags (`[US1]`, `[Story 2]`), other tags kept;
 * - continuation lines and sub-bullets kept whole in the description; "Depends on T00x",
 *   "Dependency:", "Dependencies:", "blocked by", "requires", "needs:", "after T00x" anywhere in
 *   the task, "T001-T007 blocks T008" lines and "Blocked By"/"Blocks" tables in other sections;
 * - file paths in backticks, after "in"/"at"/"to", or anywhere path-shaped.
 *
 * Order is kept as dependency edges, each with its reason: sequential tasks in a group, `[P]`
 * groups, sub-headings ("### Models" before "### Services"), phases (Setup → Foundational →
 * user stories side by side → Polish), and same-file order across phases and stories (a task that
 * changes `main.py` waits for the earlier task that creates it). Explicit dependencies win: an
 * order edge that would close a cycle with them is skipped with a warning. Duplicate ids,
 * self-dependencies, unknown targets and explicit cycles are warnings; a cycle is also returned.
 */

export type TaskState = 'todo' | 'done' | 'partial';
export type EdgeReasonKind = 'explicit' | 'order' | 'group' | 'sub-heading' | 'phase' | 'same-file';
export type TaskEdge = { dependsOn: string; kind: EdgeReasonKind; reason: string };

export type SpecKitTask = {
  id: string;
  title: string;
  /** The whole task as written: first line and every continuation line / sub-bullet. */
  description: string;
  files: string[];
  dependsOn: string[];
  edges: TaskEdge[];
  parallelSafe: boolean;
  story?: string;
  tags: string[];
  phase: string;
  /** The sub-heading inside the phase, when there is one. */
  group?: string;
  state: TaskState;
  done: boolean;
  /** The checkbox as written (`[ ]`, `[x]`, `[X]`, `[~]`…), when there is one. */
  checkbox?: string;
  line: number;
};

export type TasksParse = { tasks: SpecKitTask[]; warnings: string[]; cycle?: string[] };

const MAX_TITLE = 80;
const MAX_RANGE = 200;

type Phase = { name: string; line: number; isStory: boolean; groups: Group[]; entry: string[] };
type Group = { name?: string; entry: string[]; lastSeq?: string; parallel: string[]; members: string[] };

type Raw = {
  ids: string[];
  firstLine: string;
  lines: string[];
  line: number;
  indent: number;
  checkbox?: string;
  phase: Phase;
  group: Group;
};

/** Lines of a dependency note outside task lists ("T008-T014 (Tests) blocks T015-T026"). */
type Note = { line: number; text: string };

export function parseSpecKitTasks(markdown: string): TasksParse {
  const warnings: string[] = [];
  const lines = splitLines(markdown);
  const raws: Raw[] = [];
  const notes: Note[] = [];
  const tables: Array<{ header: string[]; rows: Array<{ line: number; cells: string[] }> }> = [];
  let phase: Phase = newPhase('Tasks', 0);
  const phases: Phase[] = [phase];
  let open: Raw | null = null;
  let fence: string | null = null;
  let headingTask: Raw | null = null;
  let table: { header: string[]; rows: Array<{ line: number; cells: string[] }> } | null = null;
  let inComment = false;

  const closeOpen = () => {
    open = null;
    headingTask = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNo = i + 1;
    const trimmed = raw.trim();

    // Fenced code: kept in the open task's description, otherwise skipped (examples).
    if (fence) {
      if (trimmed.startsWith(fence)) fence = null;
      if (open) open.lines.push(raw);
      else if (headingTask) headingTask.lines.push(raw);
      continue;
    }
    if (trimmed.startsWith('```') || trimmed.startsWith('~~~')) {
      fence = trimmed.slice(0, 3);
      if (open && leadingSpaces(raw) > open.indent) open.lines.push(raw);
      else if (headingTask) headingTask.lines.push(raw);
      else closeOpen();
      continue;
    }
    // HTML comments (template instructions) are not tasks.
    if (inComment) {
      if (trimmed.includes('-->')) inComment = false;
      continue;
    }
    if (trimmed.startsWith('<!--')) {
      if (!trimmed.includes('-->')) inComment = true;
      continue;
    }

    // Headings: phases (##) and groups (### and deeper); a heading that starts with an id is a task.
    const heading = atxHeading(trimmed);
    if (heading) {
      table = null;
      // "### T014: Add the endpoint" is a task; "### US2 - Export (Priority: P1)" is a story heading.
      const idsInHeading = leadingIds(heading.text);
      if (idsInHeading && heading.level >= 2 && idsInHeading.ids[0].startsWith('T') && isDigitCode(idsInHeading.ids[0].charCodeAt(1))) {
        closeOpen();
        const r: Raw = { ids: idsInHeading.ids, firstLine: heading.text.slice(idsInHeading.end).replace(/^[\s:·—-]+/, ''), lines: [], line: lineNo, indent: -1, ...(checkboxInText(heading.text) ? { checkbox: checkboxInText(heading.text)! } : {}), phase, group: currentGroup(phase) };
        raws.push(r);
        headingTask = r;
        continue;
      }
      closeOpen();
      if (heading.level <= 1) continue;
      if (heading.level === 2) {
        phase = newPhase(heading.text, lineNo);
        phases.push(phase);
      } else {
        // A sub-heading starts a new group inside the phase (a barrier: "Models" before "Services").
        phase.groups.push({ name: heading.text, entry: [], parallel: [], members: [] });
      }
      continue;
    }

    // Tables: task rows (first cell an id) and dependency tables ("Blocked By", "Depends On").
    if (trimmed.startsWith('|')) {
      const cells = splitRow(trimmed);
      if (isSeparatorRow(trimmed)) continue;
      if (!table) {
        table = { header: cells.map((c) => c.toLowerCase()), rows: [] };
        tables.push(table);
        continue;
      }
      table.rows.push({ line: lineNo, cells });
      const first = cells[0] ? leadingIds(stripMarkup(cells[0])) : undefined;
      if (first && first.end === stripMarkup(cells[0]).length && !isDependencyTable(table.header)) {
        closeOpen();
        const rest = cells.slice(1).join(' — ');
        const state = cells.map((c) => rowState(c)).find((s) => s !== undefined);
        raws.push({ ids: first.ids, firstLine: rest, lines: [], line: lineNo, indent: 0, ...(state ? { checkbox: state } : {}), phase, group: currentGroup(phase) });
      }
      continue;
    }
    table = null;

    if (!trimmed) {
      if (open) open.lines.push('');
      continue;
    }

    const indent = leadingSpaces(raw);
    const item = listItem(raw);
    if (item) {
      const ids = leadingIds(item.rest);
      // A list item with a task id is a task wherever it sits (sub-tasks such as A001.1 included);
      // without a checkbox only T-ids in a phase count ("- **T001-T007** (Setup) blocks everything"
      // under "Dependencies" is a note, and prose bullets naming "US1" are not tasks).
      const bareTask = item.checkbox === undefined && ids !== undefined && ids.ids[0].startsWith('T') && !ids.ids[0].includes('..') && phaseHoldsTasks(phase) && !item.rest.toLowerCase().includes(' blocks ');
      if (ids && (item.checkbox !== undefined || bareTask)) {
        closeOpen();
        const r: Raw = { ids: ids.ids, firstLine: item.rest.slice(ids.end), lines: [], line: lineNo, indent, ...(item.checkbox !== undefined ? { checkbox: item.checkbox } : {}), phase, group: currentGroup(phase) };
        raws.push(r);
        open = r;
        continue;
      }
      if (open && indent > open.indent) {
        open.lines.push(raw);
        continue;
      }
      closeOpen();
      if (item.checkbox !== undefined && phaseHoldsTasks(phase)) {
        warnings.push(`tasks.md line ${lineNo}: a checklist item without a task id ("${clip(item.rest, 60)}"); it is not imported as a task`);
      } else if (mentionsIds(item.rest)) notes.push({ line: lineNo, text: item.rest });
      continue;
    }
    // Continuation of the open task: indented lines, or lazy lines right under it.
    if (open && (indent > open.indent || open.lines.length === 0 || open.lines[open.lines.length - 1] !== '')) {
      open.lines.push(raw);
      continue;
    }
    if (headingTask) {
      headingTask.lines.push(raw);
      continue;
    }
    closeOpen();
    if (mentionsIds(trimmed)) notes.push({ line: lineNo, text: trimmed });
  }

  // ---- tasks from the raw entries, ids unique
  const tasks: SpecKitTask[] = [];
  const byId = new Map<string, SpecKitTask>();
  const rawOf = new Map<SpecKitTask, Raw>();
  for (const r of raws) {
    const ids = expandIds(r.ids, warnings, r.line);
    for (const baseId of ids) {
      let id = baseId;
      if (byId.has(id)) {
        let k = 2;
        while (byId.has(`${baseId}#${k}`)) k++;
        id = `${baseId}#${k}`;
        warnings.push(`tasks.md line ${r.line}: ${baseId} appears twice (first on line ${byId.get(baseId)!.line}); the second is kept as ${id}`);
      }
      const t = buildTask(id, r);
      tasks.push(t);
      byId.set(id, t);
      rawOf.set(t, r);
    }
  }

  // ---- order edges: groups, sub-headings and phases
  const addEdge = (t: SpecKitTask, dependsOn: string, kind: EdgeReasonKind, reason: string) => {
    if (dependsOn === t.id || t.edges.some((e) => e.dependsOn === dependsOn)) return;
    t.edges.push({ dependsOn, kind, reason });
  };
  let barrierTail: string[] = [];
  let storyTails: string[] = [];
  let previousName = '';
  for (const p of phases) {
    const members = tasks.filter((t) => rawOf.get(t)!.phase === p);
    if (members.length === 0) continue;
    // User-story phases run side by side after the last shared phase; a later shared phase
    // (Polish) waits for every story before it.
    const isStory = p.isStory || members.every((t) => t.story !== undefined);
    const entry = isStory ? barrierTail : storyTails.length ? storyTails : barrierTail;
    let groupEntry = entry;
    let groupKind: EdgeReasonKind = 'phase';
    let groupReason = !isStory && storyTails.length ? `phase order: “${p.name}” waits for every user story before it` : `phase order: “${p.name}” starts after “${previousName}”`;
    let tail = entry;
    for (const g of p.groups) {
      const gm = members.filter((t) => rawOf.get(t)!.group === g);
      if (gm.length === 0) continue;
      let lastSeq: string | undefined;
      let parallel: string[] = [];
      for (const t of gm) {
        if (t.parallelSafe) {
          if (lastSeq) addEdge(t, lastSeq, 'order', `after ${lastSeq}, the task above this [P] group`);
          else for (const d of groupEntry) addEdge(t, d, groupKind, groupReason);
          parallel.push(t.id);
        } else {
          if (parallel.length) for (const d of parallel) addEdge(t, d, 'group', `after the [P] group ${parallel.join(', ')} above it`);
          else if (lastSeq) addEdge(t, lastSeq, 'order', `after ${lastSeq}, the task above it`);
          else for (const d of groupEntry) addEdge(t, d, groupKind, groupReason);
          lastSeq = t.id;
          parallel = [];
        }
      }
      tail = parallel.length ? parallel : [lastSeq!];
      groupEntry = tail;
      groupKind = 'sub-heading';
      groupReason = g.name ? `sub-heading order: after the tasks under “${g.name}”` : `order: after ${tail.join(', ')}`;
    }
    if (isStory) storyTails = unique([...storyTails, ...tail]);
    else {
      barrierTail = tail;
      storyTails = [];
    }
    previousName = p.name;
  }

  // ---- explicit dependencies
  const prefixes = new Set(tasks.map((t) => idPrefix(t.id)));
  for (const t of tasks) {
    const r = rawOf.get(t)!;
    const text = [r.firstLine, ...r.lines].join('\n');
    for (const dep of explicitDependencies(text).filter((d) => prefixes.has(idPrefix(d)))) {
      for (const d of expandIds([dep], warnings, r.line)) addExplicit(t, d, `tasks.md line ${r.line}: “${clip(dependencyPhraseAround(text, d), 80)}”`);
    }
  }
  for (const note of notes) {
    const blocks = blockNote(note.text);
    if (!blocks) continue;
    for (const before of expandIds(blocks.before, warnings, note.line)) {
      for (const after of expandIds(blocks.after, warnings, note.line)) {
        const t = byId.get(after);
        if (t) addExplicit(t, before, `tasks.md line ${note.line}: “${clip(note.text, 80)}”`);
        else warnings.push(`tasks.md line ${note.line}: ${after} is named in “${clip(note.text, 60)}” but is not a task; that dependency was dropped`);
      }
    }
  }
  for (const tbl of tables) {
    if (!isDependencyTable(tbl.header)) continue;
    const blockedCol = tbl.header.findIndex((h) => h.includes('blocked by') || h.includes('depends on') || h.includes('dependencies') || h === 'after');
    const blocksCol = tbl.header.findIndex((h) => h === 'blocks' || h.startsWith('blocks '));
    for (const row of tbl.rows) {
      const own = leadingIds(stripMarkup(row.cells[0] ?? ''));
      if (!own) continue;
      for (const ownId of expandIds(own.ids, warnings, row.line)) {
        const t = byId.get(ownId);
        if (blockedCol >= 0) for (const d of idsIn(row.cells[blockedCol] ?? '')) for (const x of expandIds([d], warnings, row.line)) {
          if (t) addExplicit(t, x, `tasks.md line ${row.line}: blocked by ${x} (dependency table)`);
        }
        if (blocksCol >= 0) for (const d of idsIn(row.cells[blocksCol] ?? '')) for (const x of expandIds([d], warnings, row.line)) {
          const other = byId.get(x);
          if (other) addExplicit(other, ownId, `tasks.md line ${row.line}: ${ownId} blocks ${x} (dependency table)`);
        }
        if (!t && blockedCol >= 0) warnings.push(`tasks.md line ${row.line}: the dependency table names ${ownId}, which is not a task`);
      }
    }
  }

  function addExplicit(t: SpecKitTask, d: string, reason: string) {
    if (d === t.id) {
      warnings.push(`${t.id} (tasks.md line ${t.line}) depends on itself; that dependency was dropped`);
      return;
    }
    if (!byId.has(d)) {
      warnings.push(`${t.id} (tasks.md line ${t.line}) depends on ${d}, which is not in tasks.md; that dependency was dropped`);
      return;
    }
    const existing = t.edges.find((e) => e.dependsOn === d);
    if (existing) {
      existing.kind = 'explicit';
      existing.reason = reason;
    } else t.edges.push({ dependsOn: d, kind: 'explicit', reason });
  }

  // ---- explicit cycles are errors; order edges that contradict explicit ones are skipped
  const explicitOnly = new Map(tasks.map((t) => [t.id, t.edges.filter((e) => e.kind === 'explicit').map((e) => e.dependsOn)]));
  const cycle = findCycle(tasks.map((t) => t.id), explicitOnly);
  if (cycle) warnings.push(`dependency cycle: ${cycle.join(' → ')}; break it in tasks.md`);
  const graph = new Map<string, string[]>(tasks.map((t) => [t.id, [] as string[]]));
  for (const t of tasks) for (const e of t.edges) if (e.kind === 'explicit' && !cycle) graph.get(t.id)!.push(e.dependsOn);
  for (const t of tasks) {
    t.edges = t.edges.filter((e) => {
      if (e.kind === 'explicit' || cycle) return true;
      if (reaches(graph, e.dependsOn, t.id)) {
        warnings.push(`${t.id}: the ${e.kind} edge to ${e.dependsOn} (${e.reason}) contradicts an explicit dependency; it was skipped`);
        return false;
      }
      graph.get(t.id)!.push(e.dependsOn);
      return true;
    });
  }

  // ---- same-file order across phases and stories
  const lastToucher = new Map<string, string>();
  for (const t of tasks) {
    for (const f of t.files) {
      const prev = lastToucher.get(f);
      lastToucher.set(f, t.id);
      if (!prev || prev === t.id || cycle) continue;
      if (reaches(graph, t.id, prev)) continue; // already after it
      if (reaches(graph, prev, t.id)) continue; // would invert an explicit or order edge
      t.edges.push({ dependsOn: prev, kind: 'same-file', reason: `both change \`${f}\`; kept in document order` });
      graph.get(t.id)!.push(prev);
    }
  }

  for (const t of tasks) {
    t.dependsOn = t.edges.map((e) => e.dependsOn);
    if (t.files.length === 0) warnings.push(`${t.id} (tasks.md line ${t.line}) names no file path; add "in path/to/file" so the planner can keep parallel tasks apart`);
  }
  return { tasks, warnings, ...(cycle ? { cycle } : {}) };
}

function newPhase(name: string, line: number): Phase {
  const lower = name.toLowerCase();
  const isStory = lower.includes('user story') || lower.includes('(priority:') || startsWithStoryTag(lower) || lower.includes('story ');
  return { name, line, isStory, groups: [{ entry: [], parallel: [], members: [] }], entry: [] };
}

function startsWithStoryTag(lower: string): boolean {
  // "us1 init (phase 3)", "phase 4: us2 …"
  const i = lower.indexOf('us');
  return i >= 0 && isDigitCode(lower.charCodeAt(i + 2)) && (i === 0 || lower[i - 1] === ' ' || lower[i - 1] === '[');
}

function currentGroup(p: Phase): Group {
  return p.groups[p.groups.length - 1];
}

function phaseHoldsTasks(p: Phase): boolean {
  const lower = p.name.toLowerCase();
  return !(lower.includes('checklist') || lower.includes('notes') || lower.includes('format') || lower.includes('validation') || lower.includes('dependencies') || lower.includes('convention') || lower.includes('strategy') || lower.includes('example'));
}

function buildTask(id: string, r: Raw): SpecKitTask {
  let first = r.firstLine;
  // Leading separators after the id: "**T001**: …", "T001 · …", "T001 - …".
  first = first.replace(/^\*\*|^__/, '');
  let k = 0;
  while (k < first.length && (first[k] === ' ' || first[k] === ':' || first[k] === '·' || first[k] === '—' || first[k] === '-' || first[k] === '*' || first[k] === '_')) k++;
  first = first.slice(k);
  const { rest, parallel, story, tags } = readTags(first);
  const continuation = r.lines.length ? `\n${dedent(r.lines)}` : '';
  const description = `${rest}${continuation}`.trimEnd();
  const state: TaskState = r.checkbox === undefined || r.checkbox === ' ' ? 'todo' : r.checkbox === 'x' || r.checkbox === 'X' ? 'done' : 'partial';
  return {
    id,
    title: titleOf(rest),
    description,
    files: extractFiles(`${rest}\n${r.lines.join('\n')}`),
    dependsOn: [],
    edges: [],
    parallelSafe: parallel,
    ...(story ? { story } : {}),
    tags,
    phase: r.phase.name,
    ...(r.group.name ? { group: r.group.name } : {}),
    state,
    done: state === 'done',
    ...(r.checkbox !== undefined ? { checkbox: `[${r.checkbox}]` } : {}),
    line: r.line,
  };
}

/** `[P]`, `[US1]`, `[Story 2]`, `[OBS]`: read anywhere on the first line outside code spans; the text keeps everything else. */
function readTags(text: string): { rest: string; parallel: boolean; story?: string; tags: string[] } {
  let out = '';
  let parallel = false;
  let story: string | undefined;
  const tags: string[] = [];
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '`') inCode = !inCode;
    if (!inCode && c === '[') {
      const close = text.indexOf(']', i + 1);
      if (close > i && close - i <= 24 && text[close + 1] !== '(') {
        const value = text.slice(i + 1, close).trim();
        const upper = value.toUpperCase();
        if (upper === 'P' || upper === 'PARALLEL') {
          parallel = true;
          i = close;
          if (text[i + 1] === ' ') i++;
          continue;
        }
        if (isStoryTag(upper)) {
          story ??= normalizeStory(upper);
          i = close;
          if (text[i + 1] === ' ') i++;
          continue;
        }
        if (value && !value.includes(' ') && value.length <= 16 && isTagWord(value)) {
          tags.push(value);
          i = close;
          if (text[i + 1] === ' ') i++;
          continue;
        }
      }
    }
    out += c;
  }
  return { rest: out.trim(), parallel, ...(story ? { story } : {}), tags };
}

function isStoryTag(upper: string): boolean {
  // US1, US 1, US-1, S1, STORY 1, STORY-2
  let i = 0;
  if (upper.startsWith('STORY')) i = 5;
  else if (upper.startsWith('US')) i = 2;
  else if (upper.startsWith('S')) i = 1;
  else return false;
  while (upper[i] === ' ' || upper[i] === '-') i++;
  if (i >= upper.length) return false;
  for (; i < upper.length; i++) if (!isDigitCode(upper.charCodeAt(i))) return false;
  return true;
}

function normalizeStory(upper: string): string {
  let digits = '';
  for (let i = 0; i < upper.length; i++) if (isDigitCode(upper.charCodeAt(i))) digits += upper[i];
  return `US${digits}`;
}

function isTagWord(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || v[i] === '-' || v[i] === '_')) return false;
  }
  return true;
}

/** The description up to its file location ("… in path"), trimmed to a title. */
function titleOf(description: string): string {
  let cut = stripMarkup(description.split('\n')[0]);
  const inAt = lastIndexOfWord(cut, ' in ');
  if (inAt > 10) {
    const after = cut.slice(inAt + 4).trim();
    if (after && looksLikePath(after.split(' ')[0])) cut = cut.slice(0, inAt).trim();
  }
  return cut.length <= MAX_TITLE ? cut : `${cut.slice(0, MAX_TITLE - 1)}…`;
}

function lastIndexOfWord(s: string, w: string): number {
  return s.lastIndexOf(w);
}

/** Path-like tokens with a known extension or a directory shape: `backend/src/models/tag.py`, `Cargo.toml`. URLs and routes are not files. */
export function extractFiles(description: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (p: string) => {
    let t = p;
    while (t.startsWith('./')) t = t.slice(2);
    if (t.endsWith(':') || t.endsWith(',') || t.endsWith('.') || t.endsWith(')')) t = t.slice(0, -1);
    if (!t || seen.has(t) || t.includes('://') || t.startsWith('/') || t.includes('<') || t.includes('*') || t.includes('{') || isFeatureDoc(t)) return;
    seen.add(t);
    out.push(t);
  };
  // Code spans first (the most reliable), then bare tokens.
  let i = 0;
  const text = description;
  while (i < text.length) {
    const tick = text.indexOf('`', i);
    if (tick < 0) break;
    const close = text.indexOf('`', tick + 1);
    if (close < 0) break;
    const inner = text.slice(tick + 1, close).trim();
    const first = inner.split(' ')[0];
    if (!inner.includes(' ') && (looksLikePath(first) || isKnownFileName(first))) push(first);
    i = close + 1;
  }
  for (const raw of text.split(/[\s,;()]+/)) {
    const token = trimToken(raw);
    if (!token || token.length > 200) continue;
    if (token.startsWith('http') || token.startsWith('/')) continue;
    if ((looksLikePath(token) && (hasExtension(token) || token.endsWith('/'))) || isKnownFileName(token)) push(token);
  }
  return out;
}

const KNOWN_FILES = new Set(['Dockerfile', 'Containerfile', 'Makefile', 'Procfile', 'Gemfile', 'Rakefile', 'Jenkinsfile', 'Vagrantfile', 'Justfile', 'Taskfile', 'CODEOWNERS', 'LICENSE', 'README', 'CHANGELOG']);

/** `Dockerfile`, `Makefile`, `.gitignore`, `.env.example`, `docker/Dockerfile`: files without a known extension. */
function isKnownFileName(token: string): boolean {
  const base = token.slice(token.lastIndexOf('/') + 1);
  if (KNOWN_FILES.has(base)) return true;
  if (base.length > 2 && base[0] === '.' && base.length < 40) {
    for (let i = 1; i < base.length; i++) {
      const c = base.charCodeAt(i);
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || base[i] === '.' || base[i] === '-' || base[i] === '_')) return false;
    }
    return true;
  }
  return false;
}

function trimToken(raw: string): string {
  let a = 0;
  let b = raw.length;
  if (raw.endsWith("'s") || raw.endsWith('’s')) b -= 2; // "habit/main.py's parser"
  while (a < b && '`\'"[<*_'.includes(raw[a])) a++;
  while (b > a && '`\'"]>.:!?*_'.includes(raw[b - 1])) b--;
  return raw.slice(a, b);
}

/** The feature folder's own documents are references, not files a task changes. */
const FEATURE_DOCS = new Set(['spec.md', 'plan.md', 'tasks.md', 'research.md', 'data-model.md', 'quickstart.md']);
function isFeatureDoc(p: string): boolean {
  return FEATURE_DOCS.has(p) || p.startsWith('contracts/') || p.startsWith('checklists/');
}

function hasExtension(p: string): boolean {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  return dot > slash + 1 && dot < p.length - 1;
}

// ---------------------------------------------------------------------------------------------
// Ids

const MAX_ID_PREFIX = 5;

/**
 * Ids at the start of a text: `T001`, `**T001**`, `T003b`, `A001`, `T021A`, `T012.5`,
 * `T045-TEST`, and ranges `T062-T067`. Returns them with where the id part ends.
 */
export function leadingIds(text: string): { ids: string[]; end: number } | undefined {
  let i = 0;
  while (i < text.length && (text[i] === '*' || text[i] === '_' || text[i] === '`' || text[i] === ' ')) i++;
  const first = readId(text, i);
  if (!first) return undefined;
  let end = first.end;
  const ids = [first.id];
  // A range: T062-T067 or T062–T067.
  if ((text[end] === '-' || text[end] === '–') && readId(text, end + 1)) {
    const second = readId(text, end + 1)!;
    if (samePrefix(first.id, second.id)) {
      ids[0] = `${first.id}..${second.id}`;
      end = second.end;
    }
  }
  while (end < text.length && (text[end] === '*' || text[end] === '_' || text[end] === '`')) end++;
  // An id must be followed by a separator, not glued to a word ("TODO", "T1000s").
  if (end < text.length && !' :·—-–.,)\t'.includes(text[end])) return undefined;
  return { ids, end };
}

function readId(text: string, start: number): { id: string; end: number } | undefined {
  let i = start;
  while (i < text.length && i - start < MAX_ID_PREFIX && isUpper(text.charCodeAt(i))) i++;
  const prefixLen = i - start;
  if (prefixLen === 0) return undefined;
  if (text[i] === '-' && isDigitCode(text.charCodeAt(i + 1)) && prefixLen >= 2) i++; // "FR-001"-style prefixes are not tasks unless a checkbox says so
  const digitsStart = i;
  while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
  if (i === digitsStart || i - digitsStart > 6) return undefined;
  // Suffixes: T003b / T012ab, T021A, T012.5 / A001.1, T045-TEST ("-T067" is a range, read by the caller).
  const c = text.charCodeAt(i);
  if (isLower(c) && !isWordCode(text.charCodeAt(i + 1))) i += 1;
  else if (isLower(c) && isLower(text.charCodeAt(i + 1)) && !isWordCode(text.charCodeAt(i + 2))) i += 2;
  else if (isUpper(c) && !isWordCode(text.charCodeAt(i + 1))) i += 1;
  else if (c === 46 && isDigitCode(text.charCodeAt(i + 1))) {
    i++;
    while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
  } else if (c === 45 && isUpper(text.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < text.length && isUpper(text.charCodeAt(j))) j++;
    if (j - i > 2 && !isDigitCode(text.charCodeAt(j))) i = j;
  }
  const id = text.slice(start, i);
  return { id, end: i };
}

function idPrefix(id: string): string {
  let i = 0;
  while (i < id.length && isUpper(id.charCodeAt(i))) i++;
  return id.slice(0, i);
}

function samePrefix(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && isUpper(a.charCodeAt(i))) i++;
  return a.slice(0, i) === b.slice(0, i) && isDigitCode(b.charCodeAt(i));
}

/** `T062..T067` → T062, T063, …, T067 (the same width); other ids as they are. */
function expandIds(ids: string[], warnings: string[], line: number): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const dots = id.indexOf('..');
    if (dots < 0) {
      out.push(id);
      continue;
    }
    const a = id.slice(0, dots);
    const b = id.slice(dots + 2);
    let p = 0;
    while (p < a.length && isUpper(a.charCodeAt(p))) p++;
    const prefix = a.slice(0, p);
    const from = Number(a.slice(p));
    const to = Number(b.slice(p));
    const width = a.length - p;
    if (!Number.isInteger(from) || !Number.isInteger(to) || to < from || to - from > MAX_RANGE) {
      warnings.push(`tasks.md line ${line}: the range ${a}-${b} could not be expanded; kept as ${a}`);
      out.push(a);
      continue;
    }
    for (let k = from; k <= to; k++) out.push(`${prefix}${String(k).padStart(width, '0')}`);
  }
  return out;
}

/** Ids mentioned in a text (dependency phrases, table cells). */
function idsIn(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (isUpper(text.charCodeAt(i)) && (i === 0 || !isWordCode(text.charCodeAt(i - 1)))) {
      const got = leadingIdsAt(text, i);
      if (got) {
        out.push(...got.ids);
        i = got.end;
        continue;
      }
    }
    i++;
  }
  return out;
}

function leadingIdsAt(text: string, i: number): { ids: string[]; end: number } | undefined {
  const first = readId(text, i);
  if (!first) return undefined;
  // Require digits right after the letters (not "US" alone) and a short prefix.
  let end = first.end;
  let id = first.id;
  if ((text[end] === '-' || text[end] === '–') && readId(text, end + 1)) {
    const second = readId(text, end + 1)!;
    if (samePrefix(first.id, second.id)) {
      id = `${first.id}..${second.id}`;
      end = second.end;
    }
  }
  if (end < text.length && isWordCode(text.charCodeAt(end))) return undefined;
  return { ids: [id], end };
}

function mentionsIds(text: string): boolean {
  return idsIn(text).length > 0;
}

const DEPENDENCY_PHRASES = ['depends on', 'depend on', 'dependency:', 'dependencies:', 'depends:', 'blocked by', 'requires', 'required:', 'needs:', 'after ', 'waits for', 'prerequisite:', 'prerequisites:'];

/** Ids named after a dependency phrase anywhere in a task ("(depends on T012, T013)", "- Dependency: T005"). */
function explicitDependencies(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (const phrase of DEPENDENCY_PHRASES) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(phrase, from);
      if (at < 0) break;
      from = at + phrase.length;
      // The ids right after the phrase: "T012, T013 and T014", "**T005**", "T001-T007".
      let j = at + phrase.length;
      const limit = Math.min(text.length, j + 240);
      let gotAny = false;
      while (j < limit) {
        const c = text[j];
        if (c === ' ' || c === ',' || c === '*' || c === '`' || c === '(' || c === ')' || c === '&' || c === '+' || c === '/' || c === ':' || c === '[' || c === ']') {
          j++;
          continue;
        }
        if (lower.startsWith('and ', j) || lower.startsWith('or ', j)) {
          j += lower.startsWith('and ', j) ? 4 : 3;
          continue;
        }
        const got = isUpper(text.charCodeAt(j)) ? leadingIdsAt(text, j) : undefined;
        if (!got) break;
        out.push(...got.ids);
        gotAny = true;
        j = got.end;
      }
      void gotAny;
    }
  }
  return unique(out);
}

function dependencyPhraseAround(text: string, id: string): string {
  const at = text.indexOf(id.split('..')[0]);
  if (at < 0) return text.split('\n')[0];
  const start = Math.max(0, text.lastIndexOf('\n', at) + 1);
  const end = text.indexOf('\n', at);
  return text.slice(start, end < 0 ? text.length : end).trim();
}

/** "**T008-T014** (Tests) blocks **T015-T026**" → before: [T008..T014], after: [T015..T026]. */
function blockNote(text: string): { before: string[]; after: string[] } | undefined {
  const lower = text.toLowerCase();
  const at = lower.indexOf(' blocks ');
  if (at < 0) return undefined;
  const before = idsIn(text.slice(0, at));
  const after = idsIn(text.slice(at + 8));
  return before.length && after.length ? { before, after } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Graph helpers

function reaches(graph: Map<string, string[]>, from: string, to: string): boolean {
  if (from === to) return true;
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    for (const m of graph.get(n) ?? []) {
      if (m === to) return true;
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return false;
}

/** A cycle of `dependsOn` edges, as ids in order ending with the first again, or undefined. */
export function findCycle(ids: string[], deps: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 0 | 1 | 2>();
  const parent = new Map<string, string>();
  for (const start of ids) {
    if (state.get(start)) continue;
    const stack: Array<{ id: string; i: number }> = [{ id: start, i: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = deps.get(top.id) ?? [];
      if (top.i >= next.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const m = next[top.i++];
      if (!deps.has(m)) continue;
      const s = state.get(m) ?? 0;
      if (s === 1) {
        const cycle = [m];
        for (let k = stack.length - 1; k >= 0 && stack[k].id !== m; k--) cycle.push(stack[k].id);
        cycle.push(m);
        return cycle.reverse();
      }
      if (s === 0) {
        state.set(m, 1);
        parent.set(m, top.id);
        stack.push({ id: m, i: 0 });
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Line helpers

function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 10) {
      let line = text.slice(start, i);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      out.push(line);
      start = i + 1;
    }
  }
  return out;
}

function atxHeading(t: string): { level: number; text: string } | undefined {
  if (t[0] !== '#') return undefined;
  let n = 0;
  while (n < t.length && t[n] === '#') n++;
  if (n > 6 || (n < t.length && t[n] !== ' ')) return undefined;
  let body = t.slice(n).trim();
  while (body.endsWith('#')) body = body.slice(0, -1).trimEnd();
  return { level: n, text: stripMarkup(body) };
}

function listItem(raw: string): { rest: string; checkbox?: string } | undefined {
  let i = 0;
  while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
  const c = raw[i];
  let after: number;
  if (c === '-' || c === '*' || c === '+') after = i + 1;
  else {
    let j = i;
    while (j < raw.length && j - i < 4 && isDigitCode(raw.charCodeAt(j))) j++;
    if (j === i || (raw[j] !== '.' && raw[j] !== ')')) return undefined;
    after = j + 1;
  }
  if (raw[after] !== ' ' && raw[after] !== '\t') return undefined;
  let rest = raw.slice(after).trim();
  let checkbox: string | undefined;
  if (rest.length >= 3 && rest[0] === '[' && rest[2] === ']') {
    checkbox = rest[1];
    rest = rest.slice(3).trim();
  } else if (rest.startsWith('[ ]')) {
    checkbox = ' ';
    rest = rest.slice(3).trim();
  }
  return { rest, ...(checkbox !== undefined ? { checkbox } : {}) };
}

function checkboxInText(t: string): string | undefined {
  const i = t.indexOf('[');
  if (i >= 0 && t[i + 2] === ']' && 'xX ~/-'.includes(t[i + 1])) return t[i + 1];
  const lower = t.toLowerCase();
  if (lower.includes('✅') || lower.includes('(done)') || lower.includes('[done]')) return 'x';
  return undefined;
}

function rowState(cell: string): string | undefined {
  const t = cell.trim().toLowerCase();
  if (t === '[x]' || t === '✅' || t === 'done' || t === 'x' || t === 'complete' || t === 'completed') return 'x';
  if (t === '[ ]' || t === 'todo' || t === 'pending' || t === 'open') return ' ';
  if (t === '[~]' || t === 'in progress' || t === 'partial') return '~';
  return undefined;
}

function splitRow(t: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 1; i < t.length; i++) {
    const c = t[i];
    if (c === '\\' && t[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) cells.push(cur.trim());
  return cells;
}

function isSeparatorRow(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (!'|:- \t'.includes(t[i])) return false;
  return true;
}

function isDependencyTable(header: string[]): boolean {
  return header.some((h) => h.includes('blocked by') || h.includes('depends on') || h === 'blocks' || h === 'dependencies');
}

function stripMarkup(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && (t[a] === '*' || t[a] === '_' || t[a] === '`' || t[a] === ' ')) a++;
  while (b > a && (t[b - 1] === '*' || t[b - 1] === '_' || t[b - 1] === '`' || t[b - 1] === ' ')) b--;
  return t.slice(a, b);
}

function dedent(lines: string[]): string {
  let min = Infinity;
  for (const l of lines) if (l.trim()) min = Math.min(min, leadingSpaces(l));
  if (!Number.isFinite(min)) min = 0;
  const out = lines.map((l) => (l.trim() ? l.slice(min) : ''));
  while (out.length && !out[out.length - 1]) out.pop();
  return out.join('\n');
}

function leadingSpaces(l: string): number {
  let n = 0;
  for (let i = 0; i < l.length; i++) {
    if (l[i] === ' ') n++;
    else if (l[i] === '\t') n += 4;
    else break;
  }
  return n;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordCode(c: number): boolean {
  return isUpper(c) || isLower(c) || isDigitCode(c) || c === 95;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
