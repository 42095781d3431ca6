/**
 * Parser for GitHub Spec Kit `tasks.md`: checklist lines `- [ ] T001 [P] [US1] Description in
 * path/to/file.py` grouped under `## Phase N: …` headings. Pure (browser-safe).
 *
 * Dependencies, since Spec Kit expresses order by position rather than by edges:
 * - Within a phase, tasks without `[P]` run in the order written; a `[P]` task waits only for the
 *   last sequential task before it, so a run of `[P]` tasks forms one parallel group, and the next
 *   sequential task waits for that whole group.
 * - A phase starts when the previous phase's *tail* is done (its last sequential task, or the `[P]`
 *   group after it). Only a phase's first tasks get that edge; the rest follow transitively.
 * - "User Story" phases all start after the last non-story phase (Foundational), not after each
 *   other, as the Spec Kit template says stories can proceed in parallel; the next non-story phase
 *   (Polish) waits for the tails of all story phases before it.
 * - `(depends on T012, T013)` in a description adds explicit edges.
 */

export type SpecKitTask = {
  id: string;
  title: string;
  description: string;
  files: string[];
  dependsOn: string[];
  parallelSafe: boolean;
  story?: string;
  phase: string;
  done: boolean;
  line: number;
};

const PHASE_RE = /^##\s+(Phase\s+[\w.]+.*)$/i;
const TASK_RE = /^\s*[-*]\s+\[([ xX])\]\s+(T\d+)\b\s*(.*)$/;
const TAG_RE = /^\[([^\]]+)\]\s*/;
const DEPENDS_RE = /\(?\s*depends on\s+((?:T\d+[\s,and&]*)+)\)?/i;
const STORY_TAG_RE = /^(?:US\d+|STORY[-\s]?\d+)$/i;
const FILE_EXTENSIONS =
  'py|pyi|ts|tsx|js|jsx|mjs|cjs|mts|cts|go|rs|java|kt|kts|swift|rb|php|cs|c|h|cc|cpp|hpp|json|ya?ml|toml|ini|cfg|sql|md|mdx|html|css|scss|vue|svelte|graphql|gql|proto|sh|txt|lock|env|xml|gradle|tf';
const PATH_TOKEN_RE = new RegExp(`^(?:[\\w@.+\\-{}\\[\\]]+/)*[\\w@+\\-{}\\[\\]][\\w@.+\\-{}\\[\\]]*\\.(?:${FILE_EXTENSIONS})$`, 'i');
const MAX_TITLE = 80;

type Phase = { name: string; isStory: boolean; entry: string[]; lastSeq?: string; group: string[] };

export function parseSpecKitTasks(markdown: string): { tasks: SpecKitTask[]; warnings: string[] } {
  const tasks: SpecKitTask[] = [];
  const warnings: string[] = [];
  const ids = new Set<string>();
  let barrierTail: string[] = [];
  let storyTails: string[][] = [];
  let phase: Phase | undefined;

  const tailOf = (p: Phase): string[] => (p.group.length ? p.group : p.lastSeq ? [p.lastSeq] : p.entry);
  const closePhase = () => {
    if (!phase) return;
    if (phase.isStory) storyTails.push(tailOf(phase));
    else {
      barrierTail = tailOf(phase);
      storyTails = [];
    }
  };
  const openPhase = (name: string) => {
    closePhase();
    const isStory = /user\s+story/i.test(name);
    const entry = isStory ? barrierTail : storyTails.length ? unique(storyTails.flat()) : barrierTail;
    phase = { name, isStory, entry, group: [] };
  };

  const lines = markdown.split(/\r?\n/);
  let fenced = false;
  lines.forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    if (fenced) return;
    const phaseMatch = PHASE_RE.exec(text);
    if (phaseMatch) {
      openPhase(phaseMatch[1].trim());
      return;
    }
    const m = TASK_RE.exec(text);
    if (!m) return;
    if (!phase) openPhase('Tasks');
    const p = phase as Phase;
    const id = m[2];
    if (ids.has(id)) {
      warnings.push(`tasks.md line ${i + 1}: ${id} appears twice; the second one was skipped`);
      return;
    }
    ids.add(id);
    let rest = m[3];
    let parallelSafe = false;
    let story: string | undefined;
    for (let tag = TAG_RE.exec(rest); tag; tag = TAG_RE.exec(rest)) {
      const value = tag[1].trim();
      if (value.toUpperCase() === 'P') parallelSafe = true;
      else if (STORY_TAG_RE.test(value)) story = value.toUpperCase();
      rest = rest.slice(tag[0].length);
    }
    const description = rest.trim();
    const explicit = DEPENDS_RE.exec(description)?.[1].match(/T\d+/g) ?? [];
    const positional = parallelSafe ? (p.lastSeq ? [p.lastSeq] : p.entry) : p.group.length ? p.group : p.lastSeq ? [p.lastSeq] : p.entry;
    if (parallelSafe) p.group.push(id);
    else {
      p.lastSeq = id;
      p.group = [];
    }
    tasks.push({
      id,
      title: titleOf(description),
      description,
      files: extractFiles(description),
      dependsOn: unique([...positional, ...explicit]).filter((d) => d !== id),
      parallelSafe,
      ...(story ? { story } : {}),
      phase: p.name,
      done: m[1] !== ' ',
      line: i + 1,
    });
  });
  closePhase();

  for (const t of tasks) {
    const unknown = t.dependsOn.filter((d) => !ids.has(d));
    if (unknown.length) {
      warnings.push(`tasks.md line ${t.line}: ${t.id} depends on ${unknown.join(', ')}, which is not in tasks.md; that dependency was dropped`);
      t.dependsOn = t.dependsOn.filter((d) => ids.has(d));
    }
    if (t.files.length === 0) warnings.push(`tasks.md line ${t.line}: ${t.id} names no file path; add "in path/to/file" so the planner can keep parallel tasks apart`);
  }
  return { tasks, warnings };
}

/** Path-like tokens with a known extension: `backend/src/models/tag.py`, `Cargo.toml`. URLs and routes (`/notes/{id}`) are not files. */
export function extractFiles(description: string): string[] {
  const out: string[] = [];
  for (const raw of description.replace(DEPENDS_RE, ' ').split(/[\s,;]+/)) {
    const token = raw.replace(/^[`'"(\[<]+|[`'")\]>.:!?]+$/g, '');
    if (!token || /^[a-z]+:\/\//i.test(token) || token.startsWith('/')) continue;
    if (PATH_TOKEN_RE.test(token)) out.push(token.replace(/^\.\//, ''));
  }
  return unique(out);
}

/** The description up to its file location ("… in path"), trimmed to a title. */
function titleOf(description: string): string {
  const cut = description.replace(DEPENDS_RE, '').replace(/\s+(?:in|at|under)\s+\S+\/\S*\s*$/i, '').trim();
  return cut.length <= MAX_TITLE ? cut : `${cut.slice(0, MAX_TITLE - 1)}…`;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
