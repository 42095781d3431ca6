/**
 * The concerns a complete spec answers, and how any document's headings map onto them. Pure data
 * and small string scanners (browser-safe, no regular expressions over user text).
 *
 * Formats taken into account: the six Nightshift headings, Spec Kit (spec/plan/tasks), Kubernetes
 * KEPs, Rust-style RFCs, PRDs (goals/non-goals, MoSCoW, success metrics), and generic design docs.
 */

export const CONCERN_KEYS = ['build', 'acceptance', 'scope', 'dependencies', 'tests', 'ui', 'questions'] as const;
export type ConcernKey = (typeof CONCERN_KEYS)[number];

export const CONCERN_LABELS: Record<ConcernKey, string> = {
  build: 'What to build',
  acceptance: 'Acceptance criteria',
  scope: 'What not to build',
  dependencies: 'Dependencies and contracts',
  tests: 'Test expectations',
  ui: 'UI states and interactions',
  questions: 'Open questions',
};

/** Points of each concern; they sum to 100. */
export const CONCERN_POINTS: Record<ConcernKey, number> = {
  build: 20,
  acceptance: 30,
  scope: 10,
  dependencies: 10,
  tests: 15,
  ui: 5,
  questions: 10,
};

/**
 * A region is what a heading says its section holds: weights per concern (1 = the section is
 * that concern), plus `context` (background, motivation: counts a little towards "what to
 * build"), `meta` (tables of contents, sign-off checklists: not scored), `resolved` (answered
 * clarifications), `appendix` (a supporting document carried into an imported spec — plan.md,
 * research.md, tasks.md…: its content counts as evidence, but its leftovers are not deducted).
 */
export type RegionKey = ConcernKey | 'context' | 'meta' | 'resolved' | 'appendix';
export type Region = Partial<Record<RegionKey, number>>;

const R = (spec: string): Region => {
  const out: Region = {};
  for (const part of spec.split(' ')) {
    const [k, w] = part.split(':');
    out[k as RegionKey] = w === undefined ? 1 : Number(w);
  }
  return out;
};

/** Exact heading texts (normalised by `normalizeHeading`). */
const PHRASES: Array<[string, Region]> = [];
const add = (region: string, ...phrases: string[]) => {
  const r = R(region);
  for (const p of phrases) PHRASES.push([p, r]);
};

add('build', 'what to build', 'what we are building', 'goal', 'goals', 'objective', 'objectives', 'proposal', 'proposed solution',
  'proposed change', 'proposed changes', 'solution', 'design', 'design details', 'detailed design', 'technical design', 'system design',
  'implementation', 'implementation details', 'implementation plan', 'approach', 'requirements', 'functional requirements',
  'product requirements', 'technical requirements', 'specification', 'specifications', 'feature', 'features', 'core features',
  'feature description', 'user stories', 'user story', 'stories', 'use cases', 'use case', 'user scenarios', 'user journeys',
  'user flows', 'user flow', 'guide level explanation', 'reference level explanation', 'behaviour', 'behavior', 'how it works',
  'architecture', 'overview', 'summary', 'description', 'changes', 'the change', 'proposed design', 'in scope', 'must have',
  'should have', 'could have', 'must haves', 'key features', 'capabilities', 'deliverables', 'system behavior', 'system behaviour',
  'in scope outcomes', 'product experience', 'plan', 'technical approach', 'tasks', 'work items', 'milestones', 'rollout plan',
  'release plan', 'rollout', 'phases', 'project structure', 'structure decision', 'source code', 'implementation notes',
  'functional specification', 'what', 'the feature', 'tldr', 'tl dr', 'executive summary', 'abstract', 'product goal');
add('build acceptance:0.5', 'user scenarios and testing', 'scenarios', 'user scenarios and acceptance', 'examples', 'example', 'usage', 'cli usage',
  'commands', 'command line interface', 'cli');
add('build:0.5 acceptance:0.8', 'non functional requirements', 'nfr', 'nfrs', 'quality attributes', 'performance requirements',
  'security requirements', 'performance', 'security', 'reliability', 'slos', 'sli', 'slis', 'service level objectives');
add('context', 'motivation', 'background', 'problem', 'problem statement', 'the problem', 'context', 'introduction', 'rationale', 'why',
  'history', 'prior art', 'drawbacks', 'alternatives', 'alternatives considered', 'rationale and alternatives', 'risks',
  'risks and mitigations', 'notes', 'notes constraints caveats', 'caveats', 'discussion', 'research', 'findings', 'decision',
  'decisions', 'key decisions', 'north star', 'vision', 'opportunity', 'target users', 'personas', 'users', 'target audience',
  'audience', 'stakeholders', 'why this priority', 'trade offs', 'tradeoffs', 'considerations', 'design considerations',
  'technical considerations', 'implementation history', 'current state', 'current behavior', 'current behaviour', 'status quo',
  'teaching', 'how we teach this', 'how do we teach this', 'unresolved risks');
add('scope', 'what not to build', 'non goals', 'non goal', 'nongoals', 'out of scope', 'not in scope', 'out of scope items',
  'non requirements', 'exclusions', 'excluded', 'limitations', 'known limitations', 'constraints', 'guardrails', 'guard rails',
  'boundaries', 'scope boundaries', 'wont have', 'won t have', 'will not have', 'will not do', 'not doing', 'anti goals',
  'future work', 'future possibilities', 'future considerations', 'future enhancements', 'later', 'deferred', 'next steps',
  'follow ups', 'follow up work', 'what this is not', 'non features');
add('scope dependencies:0.5', 'assumptions', 'assumptions and constraints', 'constraints and assumptions', 'scope and constraints');
add('build:0.5 scope', 'scope');
add('acceptance', 'acceptance criteria', 'acceptance', 'acceptance tests', 'acceptance scenarios', 'success criteria', 'measurable outcomes',
  'success metrics', 'success measures', 'definition of done', 'done criteria', 'done when', 'graduation criteria', 'release criteria',
  'exit criteria', 'expected behavior', 'expected behaviour', 'expected result', 'expected results', 'expected outcome',
  'expected outcomes', 'outcomes', 'kpis', 'metrics', 'metrics and success criteria', 'goals and success metrics', 'success',
  'alpha', 'beta', 'ga', 'stable', 'verification criteria', 'acceptance signal', 'conformance', 'requirements and acceptance');
add('acceptance tests:0.7', 'edge cases', 'edge cases and error handling', 'error handling', 'failure modes', 'error cases',
  'corner cases', 'boundary conditions');
add('dependencies', 'dependencies', 'dependencies and contracts', 'contracts and dependencies', 'contracts', 'contract', 'interfaces',
  'interface', 'api', 'apis', 'api changes', 'api design', 'api contract', 'api contracts', 'api specification', 'endpoints',
  'data model', 'data models', 'key entities', 'entities', 'schema', 'schemas', 'database schema', 'database', 'storage',
  'integrations', 'integration points', 'external dependencies', 'prerequisites', 'technical context', 'primary dependencies',
  'migrations', 'migration', 'upgrade downgrade strategy', 'version skew strategy', 'compatibility', 'backwards compatibility',
  'backward compatibility', 'information architecture', 'configuration', 'environment variables', 'tech stack', 'technology stack',
  'stack', 'file organization', 'files', 'affected files', 'changed files', 'inputs', 'outputs', 'inputs and outputs',
  'data flow', 'protocol', 'wire format', 'api reference', 'type definitions', 'feature gate', 'feature gates');
add('tests', 'test plan', 'testing', 'tests', 'test expectations', 'test strategy', 'testing strategy', 'testing plan', 'verification',
  'validation', 'qa', 'qa plan', 'quality assurance', 'unit tests', 'integration tests', 'e2e tests', 'end to end tests',
  'independent test', 'how to test', 'test cases', 'manual testing', 'test coverage', 'prerequisite testing updates',
  'testing requirements', 'how to verify', 'validation plan');
add('tests acceptance:0.5', 'quickstart', 'quick start', 'quickstart guide', 'walkthrough', 'manual verification', 'smoke test');
add('ui', 'ui', 'ux', 'ui ux', 'ux ui', 'user interface', 'user experience', 'ux and design', 'ui and ux', 'ui design', 'ux design',
  'visual design', 'interaction design', 'wireframes', 'mockups', 'screens', 'accessibility', 'copy', 'ui copy', 'states',
  'ui states', 'frontend', 'design and ux', 'design and ux considerations', 'ux considerations', 'ui considerations',
  'user interface design goals', 'layout', 'interactions');
add('questions', 'open questions', 'unresolved questions', 'questions', 'open issues', 'outstanding questions', 'unknowns', 'tbd',
  'needs clarification', 'open points', 'unresolved', 'pending decisions', 'open decisions', 'questions and answers');
add('resolved', 'clarifications', 'clarification', 'resolved questions', 'faq', 'decisions log', 'decision log');
add('meta', 'checklists', 'table of contents', 'contents', 'toc', 'release signoff checklist', 'signoff checklist', 'status', 'metadata', 'changelog',
  'change log', 'revision history', 'authors', 'reviewers', 'approvers', 'approval', 'approvals', 'links', 'references',
  'glossary', 'terminology', 'appendix', 'appendices', 'infrastructure needed', 'document purpose', 'format', 'path conventions',
  'checklist', 'requirement completeness', 'content quality', 'feature readiness', 'notes for reviewers', 'sign off',
  'production readiness review questionnaire', 'execution flow', 'execution flow main', 'review and acceptance checklist',
  'execution status', 'constitution check', 'complexity tracking', 'progress tracking', 'parallel example',
  'parallel examples', 'parallel execution examples', 'implementation strategy', 'dependencies and execution order');

const PHRASE_MAP: ReadonlyMap<string, Region> = new Map(PHRASES);

/** Keyword rules for headings that are not in the phrase list, in priority order. */
const KEYWORD_RULES: Array<[string[], Region]> = [
  [['non goal', 'nongoal', 'non-goal', 'out of scope', 'not in scope', 'won t', 'wont have', 'will not', 'exclusion', 'not included'], R('scope')],
  [['open question', 'unresolved', 'needs clarification', 'open issue', 'outstanding question', 'pending question'], R('questions')],
  [['clarification'], R('resolved')],
  [['acceptance', 'success criteria', 'success metric', 'graduation', 'definition of done', 'release criteria', 'exit criteria', 'expected'], R('acceptance')],
  [['test', 'verification', 'validation', 'qa '], R('tests')],
  [['edge case', 'error handling', 'failure'], R('acceptance tests:0.7')],
  [['ui', 'ux', 'user interface', 'screen', 'wireframe', 'mockup', 'accessibility', 'frontend', 'visual', 'layout', 'interaction'], R('ui')],
  [['depend', 'contract', 'api', 'schema', 'interface', 'entity', 'entities', 'data model', 'storage', 'database', 'migration', 'integration', 'prerequisite', 'compatib', 'version skew', 'upgrade'], R('dependencies')],
  [['assumption', 'constraint', 'limitation', 'future'], R('scope dependencies:0.5')],
  [['scope'], R('build:0.5 scope')],
  [['user story', 'story', 'scenario', 'use case', 'journey', 'flow'], R('build acceptance:0.5')],
  [['requirement', 'goal', 'objective', 'proposal', 'design', 'implement', 'solution', 'approach', 'architecture', 'feature', 'spec', 'overview', 'summary', 'behavio', 'explanation', 'command', 'endpoint', 'phase', 'milestone', 'plan', 'task'], R('build')],
  [['motivation', 'background', 'problem', 'context', 'why', 'rationale', 'risk', 'drawback', 'alternative', 'prior art', 'history', 'research', 'decision', 'persona', 'audience', 'user'], R('context')],
  [['checklist', 'contents', 'signoff', 'sign off', 'approval', 'reviewer', 'changelog', 'glossary', 'reference', 'appendix', 'metadata', 'questionnaire'], R('meta')],
];

/** The rules' keywords by their first two characters, with the rule each belongs to. */
const KEYWORD_INDEX: ReadonlyMap<string, Array<{ rule: number; key: string }>> = (() => {
  const index = new Map<string, Array<{ rule: number; key: string }>>();
  KEYWORD_RULES.forEach(([keys], rule) => {
    for (const key of keys) {
      const head = key.slice(0, 2);
      const list = index.get(head) ?? [];
      list.push({ rule, key });
      index.set(head, list);
    }
  });
  return index;
})();

/**
 * Lower-cases a heading and strips decoration and numbering: `## 3.2. **Non-Goals** (Optional)`
 * → "non goals"; `### User Story 2 - Export (Priority: P2) 🎯` → "user story 2 export".
 */
export function normalizeHeading(text: string): string {
  const s = text.length > 300 ? text.slice(0, 300) : text;
  let out = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(' || ch === '[') {
      depth++;
      continue;
    }
    if (ch === ')' || ch === ']') {
      if (depth > 0) depth--;
      continue;
    }
    if (depth > 0) continue;
    const code = ch.charCodeAt(0);
    if (ch === '&' || ch === '+') out += ' and ';
    else if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) out += ch;
    else if (code >= 65 && code <= 90) out += String.fromCharCode(code + 32);
    else if (code > 127 && isLetter(ch)) out += ch.toLowerCase();
    else out += ' ';
  }
  const words = out.split(' ').filter((w) => w.length > 0);
  // Leading numbering and labels: "1", "3 2", "phase 2", "step 1", "kep 1234", "section 4", "part ii", "a".
  let start = 0;
  while (start < words.length - 1) {
    const w = words[start];
    if (isNumberWord(w) || ROMAN.has(w) || (w.length === 1 && start === 0 && words.length > 2)) start++;
    else if ((w === 'phase' || w === 'step' || w === 'section' || w === 'part' || w === 'kep' || w === 'rfc' || w === 'chapter' || w === 'stage') && start + 1 < words.length && (isNumberWord(words[start + 1]) || ROMAN.has(words[start + 1]) || words[start + 1].length === 1)) start += 2;
    else break;
  }
  return words.slice(start).join(' ');
}

const ROMAN = new Set(['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii']);
function isNumberWord(w: string): boolean {
  if (!w) return false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function isLetter(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase();
}

/**
 * What a heading's section holds, or undefined for a heading that says nothing about it (its
 * section then inherits the enclosing one). `exact` mode (for bold/plain/numbered lines that may
 * or may not be headings) only accepts the phrase list.
 */
export function regionForHeading(text: string, exact = false): Region | undefined {
  // Headings and labels repeat ("Why this priority", "Acceptance Scenarios"): remember answers
  // (one map per mode; NO_REGION stands for "undefined" so one lookup answers).
  const cache = exact ? REGION_CACHE_EXACT : REGION_CACHE;
  const cached = cache.get(text);
  if (cached !== undefined) return cached === NO_REGION ? undefined : cached;
  const region = computeRegion(text, exact);
  if (cache.size >= REGION_CACHE_MAX) cache.clear();
  cache.set(text, region ?? NO_REGION);
  return region;
}

const NO_REGION: Region = {};
const REGION_CACHE = new Map<string, Region>();
const REGION_CACHE_EXACT = new Map<string, Region>();
const REGION_CACHE_MAX = 4096;

function computeRegion(text: string, exact: boolean): Region | undefined {
  const normalized = normalizeHeading(text);
  if (!normalized) return undefined;
  const hit = PHRASE_MAP.get(normalized) ?? PHRASE_MAP.get(stripStoryNumber(normalized));
  if (hit || exact) return hit;
  // The first rule with a keyword at the start of a word (` key` in ` normalized `): keywords are
  // looked up by their first two characters at each word start, not searched for one by one.
  const padded = ` ${normalized} `;
  let bestRule = KEYWORD_RULES.length;
  for (let i = 0; i < padded.length - 1; i++) {
    if (padded.charCodeAt(i) !== 32) continue;
    const candidates = KEYWORD_INDEX.get(padded.slice(i + 1, i + 3));
    if (!candidates) continue;
    for (let k = 0; k < candidates.length; k++) {
      const { rule, key } = candidates[k];
      if (rule < bestRule && padded.startsWith(key, i + 1)) bestRule = rule;
    }
  }
  return bestRule < KEYWORD_RULES.length ? KEYWORD_RULES[bestRule][1] : undefined;
}

/** "user story 2 export notes" → "user story"; "story 1" → "story"; nothing else is shortened. */
const NUMBERED_KINDS = new Set(['user story', 'story', 'scenario', 'use case', 'example', 'user journey', 'journey']);
function stripStoryNumber(normalized: string): string {
  const words = normalized.split(' ');
  for (let i = 1; i < words.length && i <= 2; i++) {
    if (isNumberWord(words[i])) {
      const head = words.slice(0, i).join(' ');
      return NUMBERED_KINDS.has(head) ? head : normalized;
    }
  }
  return normalized;
}

/** Headings an import gives to the supporting documents of a Spec Kit folder: "Implementation plan (plan.md)". */
export function isAppendixHeading(text: string): boolean {
  const t = text.trim();
  if (t.startsWith('Other documents of the feature folder')) return true;
  if (!t.endsWith(')')) return false;
  const open = t.lastIndexOf('(');
  if (open < 0) return false;
  const inner = t.slice(open + 1, -1);
  return inner.endsWith('.md') || inner.endsWith('/') || inner.endsWith('.yaml') || inner.endsWith('.json');
}

/** True for a region that says nothing about the concerns (tables of contents, sign-off lists). */
export function isMeta(region: Region | undefined): boolean {
  if (!region || region.meta === undefined) return false;
  for (const k of Object.keys(region)) if (k !== 'meta' && k !== 'appendix') return false;
  return true;
}
