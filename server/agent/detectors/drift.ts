/**
 * Objective drift, judged on what the agent touches and names — the files it reads, lists and
 * edits, the symbols it searches for, the files its commands name — against the task: the files in
 * scope and the names the objective and its acceptance criteria use. What the model says is not
 * judged (reasoning about a module is not working on it), and bookkeeping (working state, recall,
 * finish) and bare verification commands (`npm test`) are neutral.
 *
 * A turn's score is the share of off-task targets among the judged targets of the recent turns:
 * 0 is on task, 1 is nothing in common with it.
 */

const STOPWORDS = new Set(
  'the and for with that this from into when then than them they have has had are was were will would should could must can not but all any each its our your their there here what which who how why use using used make made add adds added file files code test tests run runs should also only just more most some such very been being does done doing get got let new old one two via per over under about after before while where a an to of in on at by is it be as or if so do no up'.split(' '),
);

/** Path segments every project has: naming them says nothing about the task. */
const GENERIC_PATH_WORDS = new Set(
  'src lib libs app apps pkg pkgs packages internal cmd bin dist build out index main mod init util utils common core shared helpers helper spec specs __tests__ __init__ js jsx ts tsx mjs cjs py rb go rs java kt cs php json yaml yml toml md txt html css scss sh'.split(' '),
);

/** Build and test manifests: reading one is orientation for any task, neither on nor off it. */
const MANIFEST = /(^|\/)(package(-lock)?\.json|pnpm-lock\.yaml|yarn\.lock|tsconfig[^/]*\.json|jsconfig\.json|[^/]+\.config\.[cm]?[jt]s|pyproject\.toml|setup\.(py|cfg)|requirements[^/]*\.txt|Cargo\.(toml|lock)|go\.(mod|sum)|Gemfile(\.lock)?|Makefile|pom\.xml|build\.gradle(\.kts)?)$/;

/** Tools whose calls are bookkeeping, not work on the code. */
const NEUTRAL_TOOLS = new Set(['update_working_state', 'recall', 'finish', 'load_skill', 'read_skill_resource', 'spawn_explorers']);

/** Shared prefix that makes two word stems the same word ("config" ~ "configured"). */
const PREFIX_MATCH = 4;

/** Lowercase word stems of prose (a crude suffix strip is enough for overlap). */
export function keywords(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of words(text)) {
    if (word.length < 3 || STOPWORDS.has(word) || /^\d+$/.test(word)) continue;
    out.add(stem(word));
  }
  return out;
}

/** Words of a text, identifiers split at `_`, `-`, `.`, `/` and camelCase humps. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function stem(word: string): string {
  return word.replace(/(ing|ed|es|s|er|ers|ion|ions)$/, '') || word;
}

/** What the task is about: its scope and the names its objective and criteria use. */
export interface DriftAnchors {
  keywords: Set<string>;
  scope: string[];
}

export function driftAnchors(objective: string, criteria: string[] = [], scope: string[] = []): DriftAnchors {
  return { keywords: keywords(`${objective} ${criteria.join(' ')}`), scope: scope.map(normalise).filter((s) => s && s !== '.') };
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

function namesTask(anchors: DriftAnchors, text: string, generic = GENERIC_PATH_WORDS): boolean {
  for (const raw of words(text)) {
    if (raw.length < 3 || generic.has(raw) || STOPWORDS.has(raw) || /^\d+$/.test(raw)) continue;
    const w = stem(raw);
    for (const k of anchors.keywords) {
      if (w === k) return true;
      const n = Math.min(w.length, k.length);
      if (n >= PREFIX_MATCH && (w.startsWith(k) || k.startsWith(w))) return true;
    }
  }
  return false;
}

type Verdict = 'on' | 'off' | 'neutral';

/** One path the agent touched: in scope, named by the task, or neither. */
export function judgePath(anchors: DriftAnchors, path: string): Verdict {
  const p = normalise(path);
  if (!p || p === '.' || p === '/' || MANIFEST.test(p)) return 'neutral';
  for (const s of anchors.scope) {
    if (p === s || p.startsWith(`${s}/`) || s.startsWith(`${p}/`)) return 'on';
    // A sibling of a file in scope (its test, its types) is part of the same change.
    const dir = s.includes('/') ? s.slice(0, s.lastIndexOf('/')) : '';
    if (/\.[a-z0-9]+$/i.test(s) && dir && p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/') && namesTask(anchors, p)) return 'on';
  }
  return namesTask(anchors, p) ? 'on' : 'off';
}

/** Paths at the start of search_code's match lines ("path:line:text"). */
function matchedPaths(output: string): string[] {
  const out = new Set<string>();
  for (const m of output.matchAll(/^([^:\n]+):\d+:/gm)) out.add(m[1]);
  return [...out];
}

/** Path-like words of a command line (`cat docs/a.md`, `vitest run src/x.test.ts`). */
function commandPaths(command: string): string[] {
  return command.split(/[\s'"=;|&<>()]+/).filter((t) => !t.startsWith('-') && (t.includes('/') || /\.[a-z]{1,5}$/i.test(t)) && !/^[a-z]+:\/\//i.test(t));
}

/** On- and off-task targets of a call; `offTargets` names the off ones for the nudge. */
export type DriftTally = { on: number; off: number; offTargets: string[] };

export interface JudgedCall {
  toolName: string;
  args: Record<string, unknown>;
  output: string;
  isError: boolean;
}

/** On- and off-task targets of one call (neutral targets are not counted). */
export function judgeCall(anchors: DriftAnchors, call: JudgedCall): DriftTally {
  const tally: DriftTally = { on: 0, off: 0, offTargets: [] };
  const add = (v: Verdict, target: string) => {
    if (v === 'on') tally.on++;
    if (v === 'off') {
      tally.off++;
      tally.offTargets.push(target);
    }
  };
  if (NEUTRAL_TOOLS.has(call.toolName)) return tally;
  const a = call.args ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (call.toolName) {
    case 'search_code': {
      // A search names a symbol: on task when the name is the task's, or when it is found where the task is.
      const pattern = str(a.pattern) ?? '';
      if (namesTask(anchors, pattern, new Set())) return { on: 1, off: 0, offTargets: [] };
      // A search that failed (bad pattern, no git) found nothing to judge it by.
      if (call.isError) return tally;
      add(matchedPaths(call.output).some((p) => judgePath(anchors, p) === 'on') ? 'on' : 'off', `search ${JSON.stringify(pattern)}`);
      return tally;
    }
    case 'run_command':
      for (const p of commandPaths(str(a.command) ?? '')) add(judgePath(anchors, p), p);
      return tally;
    case 'list_files': {
      const path = str(a.path);
      const glob = str(a.glob);
      if (path) add(judgePath(anchors, path), path);
      if (glob) add(judgePath(anchors, glob.replace(/[*?[\]{}]+/g, '')), glob);
      return tally;
    }
    default: {
      for (const p of pathsOf(a)) add(judgePath(anchors, p), p);
      return tally;
    }
  }
}

/** Every path a call's arguments name (`path`, `paths`, `changes[].path`). */
export function pathsOf(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof args.path === 'string') out.push(args.path);
  if (Array.isArray(args.paths)) for (const p of args.paths) if (typeof p === 'string') out.push(p);
  if (Array.isArray(args.changes)) for (const c of args.changes) if (typeof (c as { path?: unknown })?.path === 'string') out.push((c as { path: string }).path);
  return out;
}

/** Share of off-task targets among the judged ones (0 when nothing was judged). */
export function driftScore(tallies: Array<{ on: number; off: number }>): number {
  const on = tallies.reduce((n, t) => n + t.on, 0);
  const off = tallies.reduce((n, t) => n + t.off, 0);
  return on + off === 0 ? 0 : Math.round((off / (on + off)) * 100) / 100;
}
