import { parseSpec, type ParsedSpec, type SpecSection } from './parse';
import { SECTION_KEYS, SECTION_LABELS, type SectionKey } from './sections';
import {
  hasConcreteAnchor,
  isExplicitNone,
  isPlaceholder,
  proseLines,
  sectionItems,
  withoutCodeSpans,
  wordCount,
  type SpecItem,
} from './spec-text';
import { MEASURE_RE, OPEN_ENDED_RE, VAGUE_RE } from './vague-words';

/**
 * Completeness score of a spec: a deterministic rubric (no model), fast enough to run on every
 * debounced keystroke in the browser. No node: imports here or in what it imports.
 */

export type FindingSeverity = 'error' | 'warning' | 'info';
export type SpecFinding = {
  /** A section label ("Acceptance criteria") or "document" for findings outside the six sections. */
  section: string;
  line?: number;
  message: string;
  severity: FindingSeverity;
  /** Where the finding came from; LLM critique findings say "llm". */
  source?: 'rubric' | 'llm';
};
export type SpecScore = { score: number; accepted: boolean; findings: SpecFinding[]; threshold: number };
export type ScoreOptions = { threshold?: number };

export const DEFAULT_ACCEPT_THRESHOLD = 70;
export const DOCUMENT_SECTION = 'document';

/** Points per section: presence, then specificity. They sum to 100. */
export const RUBRIC_POINTS: Record<SectionKey, { present: number; specific: number }> = {
  whatToBuild: { present: 10, specific: 10 },
  whatNotToBuild: { present: 10, specific: 5 },
  acceptance: { present: 10, specific: 15 },
  dependencies: { present: 5, specific: 5 },
  tests: { present: 10, specific: 10 },
  uiux: { present: 5, specific: 5 },
};

/** Deductions and their caps, so one sloppy paragraph cannot sink a spec on its own. */
export const PENALTIES = {
  clarification: { each: 5, max: 20 },
  vague: { each: 3, max: 15 },
  placeholder: { each: 3, max: 9 },
} as const;

export const MIN_WORDS_WHAT_TO_BUILD = 30;
export const MIN_WORDS_ITEM = 4;
export const MIN_WORDS_UIUX = 12;
export const MIN_WORDS_GUARDRAIL = 3;

const CLARIFICATION_RE = /\[\s*NEEDS CLARIFICATION\b[^\]]*\]/gi;
const PLACEHOLDER_WORD_RE = /(?<![\w-])(TBD|TODO|TBA|FIXME|XXX|\?\?\?)(?![\w-])/g;
const GIVEN_WHEN_THEN_RE = /\b(?:given|when)\b[\s\S]*\bthen\b/i;
const OBSERVABLE_RE =
  /\b(?:returns?|returned|responds?|response|shows?|shown|displays?|displayed|prints?|printed|exits?|renders?|rendered|redirects?|contains?|emits?|emitted|writes?|written|creates?|created|rejects?|rejected|accepts?|accepted|fails?|errors?|status|appears?|visible|hidden|disabled|enabled|lists?|listed|sends?|sent|receives?|stores?|stored|saves?|saved|equals?|matches?|counts?|reads?|opens?|closes?|deletes?|deleted|updates?|updated)\b/i;
const TEST_VOCAB_RE = /\b(?:unit|integration|e2e|end-to-end|playwright|vitest|jest|pytest|go test|snapshot|fixture|assert|asserts|test|tests|spec)\b/i;

type Scorer = { points: number; findings: SpecFinding[] };
const finding = (section: string, message: string, severity: FindingSeverity, line?: number): SpecFinding =>
  line === undefined ? { section, message, severity, source: 'rubric' } : { section, line, message, severity, source: 'rubric' };

/**
 * Scores spec Markdown 0–100 and lists what to fix. `accepted` needs the threshold *and* no
 * unresolved `[NEEDS CLARIFICATION]` marker: an agent cannot resolve a question only the author can.
 *
 * @example scoreSpec(markdown).accepted // false → the editor disables "Submit"
 */
export function scoreSpec(markdown: string, options: ScoreOptions = {}): SpecScore {
  const threshold = options.threshold ?? DEFAULT_ACCEPT_THRESHOLD;
  const spec = parseSpec(markdown);
  const findings: SpecFinding[] = [];
  let points = 0;

  if (spec.title === undefined) {
    findings.push(finding(DOCUMENT_SECTION, 'The spec has no title. Start it with a `# Title` line naming the feature.', 'info'));
  }
  for (const key of SECTION_KEYS) {
    const section = spec.byKey[key];
    if (!section) {
      findings.push(missingSection(key));
      continue;
    }
    const result = SECTION_SCORERS[key](section);
    points += RUBRIC_POINTS[key].present + Math.min(result.points, RUBRIC_POINTS[key].specific);
    findings.push(...result.findings);
  }

  const penalties = scanDocument(markdown, spec, findings);
  const score = Math.max(0, Math.min(100, Math.round(points - penalties.total)));
  return { score, accepted: score >= threshold && penalties.clarifications === 0, findings: sortFindings(findings), threshold };
}

function missingSection(key: SectionKey): SpecFinding {
  const how: Record<SectionKey, string> = {
    whatToBuild: 'describe the behaviour to build: who uses it, inputs, outputs and limits (synonym: Goal)',
    whatNotToBuild: 'list what is out of scope so agents do not wander (synonyms: Non-goals, Out of scope, Guardrails)',
    acceptance: 'list testable criteria, e.g. "Given …, when …, then …" or "returns 404 for an unknown id" (synonym: Acceptance)',
    dependencies: 'name the modules, APIs and contract files this relies on or changes, or write "None" (synonyms: Contracts, Dependencies)',
    tests: 'say which tests must exist and what they assert, e.g. "a Vitest test in src/x.test.ts checks …" (synonym: Tests)',
    uiux: 'describe screens, states and messages, or write "None — no UI changes"',
  };
  return finding(SECTION_LABELS[key], `Missing section "${SECTION_LABELS[key]}". Add \`## ${SECTION_LABELS[key]}\`: ${how[key]}.`, 'error');
}

const SECTION_SCORERS: Record<SectionKey, (s: SpecSection) => Scorer> = {
  whatToBuild(section) {
    const label = section.label;
    const text = proseLines(section).map((l) => l.text).join(' ');
    if (isPlaceholder(text)) return { points: 0, findings: [emptySection(section)] };
    const words = wordCount(text);
    const findings: SpecFinding[] = [];
    let pts = 0;
    if (words >= MIN_WORDS_WHAT_TO_BUILD) pts += 6;
    else {
      if (words >= MIN_WORDS_WHAT_TO_BUILD / 2) pts += 3;
      findings.push(finding(label, `"${label}" has ${words} words. Describe the behaviour in at least ${MIN_WORDS_WHAT_TO_BUILD} words: who uses it, what goes in, what comes out, and the limits.`, 'warning', section.line));
    }
    if (hasConcreteAnchor(text)) pts += 4;
    else findings.push(finding(label, `"${label}" names nothing concrete. Mention the files, commands, endpoints, numbers or exact messages involved.`, 'warning', section.line));
    return { points: pts, findings };
  },

  whatNotToBuild(section) {
    const items = sectionItems(section);
    const text = items.map((i) => i.text).join(' ');
    if (isPlaceholder(text)) return { points: 0, findings: [emptySection(section)] };
    const specific = items.filter((i) => wordCount(i.text) >= MIN_WORDS_GUARDRAIL);
    if (specific.length > 0) return { points: RUBRIC_POINTS.whatNotToBuild.specific, findings: [] };
    return {
      points: 0,
      findings: [finding(section.label, `"${section.label}" has no usable guardrail. List each thing out of scope as an item of at least ${MIN_WORDS_GUARDRAIL} words, e.g. "- No changes to the billing module".`, 'warning', section.line)],
    };
  },

  acceptance(section) {
    const items = sectionItems(section).filter((i) => !isPlaceholder(i.text));
    if (items.length === 0) return { points: 0, findings: [emptySection(section)] };
    const findings: SpecFinding[] = [];
    let testable = 0;
    for (const item of items) {
      if (isTestable(item)) testable++;
      else {
        findings.push(finding(section.label, `Acceptance criterion is not testable: "${clip(item.text)}". State an observable outcome (a status code, a number, an exact message, a visible state) or write it as Given/When/Then.`, 'warning', item.line));
      }
    }
    return { points: (RUBRIC_POINTS.acceptance.specific * testable) / items.length, findings };
  },

  dependencies(section) {
    const text = proseLines(section).map((l) => l.text).join(' ');
    if (isExplicitNone(text)) return { points: RUBRIC_POINTS.dependencies.specific, findings: [] };
    if (isPlaceholder(text)) return { points: 0, findings: [emptySection(section, 'or write "None" if there are none')] };
    if (hasConcreteAnchor(text)) return { points: RUBRIC_POINTS.dependencies.specific, findings: [] };
    return {
      points: 0,
      findings: [finding(section.label, `"${section.label}" names no module, API or contract file. List them by path or name (e.g. \`server/api/users.ts\`, \`openapi.yaml\`), or write "None".`, 'warning', section.line)],
    };
  },

  tests(section) {
    const items = sectionItems(section).filter((i) => !isPlaceholder(i.text));
    if (items.length === 0) return { points: 0, findings: [emptySection(section)] };
    const findings: SpecFinding[] = [];
    let concrete = 0;
    for (const item of items) {
      const words = wordCount(item.text);
      if (hasConcreteAnchor(item.text) || (TEST_VOCAB_RE.test(item.text) && OBSERVABLE_RE.test(item.text) && words >= MIN_WORDS_ITEM + 2)) concrete++;
      else findings.push(finding(section.label, `Test expectation is not concrete: "${clip(item.text)}". Name the test file or kind (unit, integration, e2e) and what it asserts, with inputs and expected outputs.`, 'warning', item.line));
    }
    return { points: (RUBRIC_POINTS.tests.specific * concrete) / items.length, findings };
  },

  uiux(section) {
    const text = proseLines(section).map((l) => l.text).join(' ');
    if (isExplicitNone(text)) return { points: RUBRIC_POINTS.uiux.specific, findings: [] };
    if (isPlaceholder(text)) return { points: 0, findings: [emptySection(section, 'or write "None — no UI changes"')] };
    if (wordCount(text) >= MIN_WORDS_UIUX || hasConcreteAnchor(text)) return { points: RUBRIC_POINTS.uiux.specific, findings: [] };
    return {
      points: 0,
      findings: [finding(section.label, `"${section.label}" is too thin. Describe the screens, empty/loading/error states and exact labels or messages, or write "None — no UI changes".`, 'warning', section.line)],
    };
  },
};

function isTestable(item: SpecItem): boolean {
  const text = withoutCodeSpans(item.text);
  if (wordCount(item.text) < MIN_WORDS_ITEM) return false;
  return MEASURE_RE.test(item.text) || GIVEN_WHEN_THEN_RE.test(text) || OBSERVABLE_RE.test(text) || /`[^`]+`|"[^"]+"/.test(item.text);
}

function emptySection(section: SpecSection, alt = ''): SpecFinding {
  return finding(section.label, `"${section.label}" is empty or a placeholder. Fill it in${alt ? `, ${alt}` : ''}.`, 'error', section.line);
}

/** Document-wide checks: clarification markers, vague words, TBD/TODO. Returns the deductions. */
function scanDocument(markdown: string, spec: ParsedSpec, findings: SpecFinding[]) {
  const sectionAt = lineToSection(spec);
  const lines = markdown.split(/\r?\n/);
  let clarifications = 0;
  let vague = 0;
  let placeholders = 0;
  let fence: string | undefined;
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i];
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1][0] === fence[0]) fence = undefined;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      continue;
    }
    if (inComment) {
      const end = raw.indexOf('-->');
      if (end < 0) continue;
      inComment = false;
      raw = raw.slice(end + 3);
    }
    raw = raw.replace(/<!--.*?-->/g, '');
    const open = raw.indexOf('<!--');
    if (open >= 0) {
      inComment = true;
      raw = raw.slice(0, open);
    }
    const line = i + 1;
    const section = sectionAt(line);
    for (const m of raw.matchAll(CLARIFICATION_RE)) {
      clarifications++;
      findings.push(finding(section, `Unresolved ${clip(m[0], 80)}. Answer the question in the text and remove the marker; a spec with open questions cannot be accepted.`, 'error', line));
    }
    const prose = withoutCodeSpans(raw.replace(CLARIFICATION_RE, ' '));
    const hasMeasure = MEASURE_RE.test(prose);
    for (const m of prose.matchAll(VAGUE_RE)) {
      if (hasMeasure) break;
      vague++;
      findings.push(finding(section, `Vague word "${m[1]}" without a measure. ${vagueHint(m[1])}`, 'warning', line));
    }
    for (const m of prose.matchAll(OPEN_ENDED_RE)) {
      vague++;
      findings.push(finding(section, `"${m[0].trim()}" leaves the list open. List every item explicitly.`, 'warning', line));
    }
    for (const m of prose.matchAll(PLACEHOLDER_WORD_RE)) {
      placeholders++;
      findings.push(finding(section, `Placeholder "${m[1]}". Replace it with the decision or the missing detail.`, 'warning', line));
    }
  }
  const total =
    Math.min(clarifications * PENALTIES.clarification.each, PENALTIES.clarification.max) +
    Math.min(vague * PENALTIES.vague.each, PENALTIES.vague.max) +
    Math.min(placeholders * PENALTIES.placeholder.each, PENALTIES.placeholder.max);
  return { total, clarifications };
}

const SPEED_WORDS_RE = /^(?:fast|faster|quick|quickly|slow|performant|snappy|blazing|smooth|efficient|efficiently|scalable|lightweight)$/i;
function vagueHint(word: string): string {
  if (SPEED_WORDS_RE.test(word)) return `Give the number instead, e.g. "responds in under 200 ms at p95" or "handles 1,000 items".`;
  return `Say what observable result proves it, e.g. "a new user finishes in 3 steps" or "shows the error 'Email is required'".`;
}

function lineToSection(spec: ParsedSpec): (line: number) => string {
  const ranges = spec.sections.map((s) => [s.line, s.endLine, s.label] as const);
  return (line) => {
    for (const [start, end, label] of ranges) if (line >= start && line <= end) return label;
    return DOCUMENT_SECTION;
  };
}

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };
function sortFindings(findings: SpecFinding[]): SpecFinding[] {
  return findings
    .map((f, i) => [f, i] as const)
    .sort(([a, ia], [b, ib]) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.line ?? 0) - (b.line ?? 0) || ia - ib)
    .map(([f]) => f);
}

function clip(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
