import { CONCERN_KEYS, CONCERN_LABELS, CONCERN_POINTS, type ConcernKey, type Region } from './concerns';
import { ItemCollector, lineOfOffset, type SpecItem } from './items';
import { outline, type Heading } from './outline';
import { clip, type ItemSignals } from './signals';

/**
 * Completeness of a spec, judged by what it says rather than by the names of its headings.
 *
 * Any document (Spec Kit, KEP, RFC, PRD, the six Nightshift headings, setext/bold/numbered
 * headings, a plain issue text) is read into items with the concern their headings give them,
 * and every item is read for content: names of concrete things, measures, observable outcomes,
 * Given/When/Then, placeholders, filler and template text. Each concern scores what its items
 * carry; deductions for placeholders, template text, filler and vague words follow; every point
 * is in the breakdown. Deterministic, linear in the input, no model and no node: imports — the
 * CLI, the server and the editor's Web Worker run this same function.
 */

export type FindingSeverity = 'error' | 'warning' | 'info';
export type FindingCode =
  | 'empty'
  | 'no-title'
  | 'missing-concern'
  | 'partial-concern'
  | 'vague-criterion'
  | 'clarification'
  | 'open-question'
  | 'unanswered-question'
  | 'placeholder'
  | 'template-text'
  | 'filler'
  | 'empty-claim'
  | 'vague-word'
  | 'empty-section'
  | 'missing-path'
  | 'missing-symbol'
  | 'missing-script'
  | 'more';
export type SpecFinding = {
  /** The concern's label ("Acceptance criteria") or "document". */
  section: string;
  concern?: ConcernKey | 'document';
  code?: FindingCode;
  line?: number;
  message: string;
  severity: FindingSeverity;
  /** Findings that keep a spec out of planning whatever its score. */
  blocking?: boolean;
  source?: 'rubric' | 'llm';
};
export type ConcernStatus = 'met' | 'partial' | 'missing' | 'n/a';
export type ConcernScore = { key: ConcernKey; label: string; points: number; max: number; status: ConcernStatus; detail: string };
export type DeductionKey = 'placeholders' | 'template' | 'empty-sections' | 'filler' | 'vague' | 'grounding';
export type Deduction = { key: DeductionKey; label: string; points: number; count: number };
export type SpecScore = {
  score: number;
  accepted: boolean;
  threshold: number;
  title?: string;
  breakdown: ConcernScore[];
  deductions: Deduction[];
  findings: SpecFinding[];
};

/** What the repository holds, when the spec belongs to a known project. */
export type RepoIndex = {
  /** True when the repository has this file or directory (repo-relative, POSIX). */
  has(path: string): boolean;
  /** True when an identifier appears in the repository's source. */
  hasSymbol?(name: string): boolean;
  /** `npm run` scripts of the root package.json. */
  scripts?: ReadonlySet<string>;
};
export type ScoreOptions = { threshold?: number; repo?: RepoIndex };

export const DEFAULT_ACCEPT_THRESHOLD = 70;
export const DOCUMENT_SECTION = 'document';

/** How much evidence fills a concern: the sum of its items' values that earns all its points. */
export const CONCERN_TARGETS: Record<Exclude<ConcernKey, 'ui' | 'questions'>, number> = {
  build: 3,
  acceptance: 3,
  scope: 2,
  dependencies: 2,
  tests: 2,
};

export const DEDUCTIONS: Record<DeductionKey, { label: string; each: number; max: number }> = {
  placeholders: { label: 'Placeholders left in place', each: 2, max: 12 },
  template: { label: 'Template instructions left in place', each: 2, max: 10 },
  'empty-sections': { label: 'Sections left empty', each: 2, max: 16 },
  filler: { label: 'Filler and empty claims', each: 3, max: 15 },
  vague: { label: 'Vague words without a measure', each: 1, max: 6 },
  grounding: { label: 'Names not found in the repository', each: 2, max: 10 },
};

/** A concern below this share of its points blocks acceptance (what to build, acceptance). */
export const BLOCKING_SHARE = 0.2;
/** Tests earn up to this share of their points from concrete acceptance criteria alone. */
export const TESTS_FROM_ACCEPTANCE = 0.6;
/** An item below this concreteness adds nothing to a concern: twenty generic lines are not one concrete one. */
export const MIN_ITEM_VALUE = 0.3;
/** Findings listed per kind before they are summarised. */
const MAX_PER_KIND = 15;
const MAX_FINDINGS = 200;

/**
 * What items give a concern: item k with weight w[k] and value v[k]. Parallel arrays, not an
 * object per contribution: a 20 MB spec has hundreds of thousands, all alive until the end.
 */
class Contributions {
  items: SpecItem[] = [];
  w: number[] = [];
  v: number[] = [];
  push(item: SpecItem, w: number, v: number): void {
    this.items.push(item);
    this.w.push(w);
    this.v.push(v);
  }
  get length(): number {
    return this.items.length;
  }
}
/** Keeps only contributions that can count (see MIN_ITEM_VALUE): fewer on a 20 MB spec. */
function contribute(list: Contributions, item: SpecItem, w: number, v: number): void {
  if (w > 0 && v >= MIN_ITEM_VALUE) list.push(item, w, v);
}

/**
 * Scores spec text 0–100 with a per-concern breakdown and findings that say what to add.
 * `accepted` needs the threshold and no blocking finding (an open `[NEEDS CLARIFICATION]`, no
 * testable acceptance criterion, nothing said about what to build).
 *
 * @example scoreSpec(markdown).breakdown.find((c) => c.key === 'acceptance') // {points: 28, max: 30, …}
 */
export function scoreSpec(markdown: string, options: ScoreOptions = {}): SpecScore {
  const threshold = options.threshold ?? DEFAULT_ACCEPT_THRESHOLD;
  const text = markdown.charCodeAt(0) === 0xfeff ? markdown.slice(1) : markdown;
  if (isBlank(text)) return emptyResult(threshold);

  // Blocks become items as the outline reads them: none is kept past its items.
  const collector = new ItemCollector();
  const o = outline(text, (b) => collector.add(b));
  const { items, metaMarkers } = collector.finish(o.refs);
  const findings = new FindingList();
  const title = o.title?.text;
  if (!o.title) findings.add({ concern: 'document', section: DOCUMENT_SECTION, code: 'no-title', message: 'The spec has no title. Start it with a `# Title` line naming the feature (the editor keeps it in step with the title field).', severity: 'info' });

  const names = collectNames(items);
  const c = (item: SpecItem) => concreteness(item);

  // ---- what to build
  const build = new Contributions();
  // ---- acceptance
  const acceptance = new Contributions();
  /** Items of acceptance sections and their value as a criterion. */
  const acceptanceRegionItems: SpecItem[] = [];
  const acceptanceRegionValues: number[] = [];
  // ---- scope, dependencies, tests
  const scope = new Contributions();
  const deps = new Contributions();
  const tests = new Contributions();
  const uiItems: SpecItem[] = [];
  const openQuestions: SpecItem[] = [];
  const unanswered: SpecItem[] = [];
  const clarifications: Array<{ line: number; text: string; section: string }> = [];
  const placeholders: Array<{ line: number; text: string; section: string }> = [];
  const templates: SpecItem[] = [];
  const fillers: SpecItem[] = [];
  const emptyClaims: SpecItem[] = [];
  const vagueWords: Array<{ item: SpecItem; word: string }> = [];
  let uiMentions = 0;

  for (const m of metaMarkers) clarifications.push({ line: m.line, text: m.text, section: DOCUMENT_SECTION });
  const resolvedGroups = new Set<number>();
  const questionGroups = new Set<number>();
  // Indexed loops: a 20 MB spec has ~170,000 items, and iterators allocate in code V8 has not optimised yet.
  for (let ii = 0; ii < items.length; ii++) {
    const item = items[ii];
    if ((item.region.questions ?? 0) > 0 && !item.headingOwn && (isResolutionLabel(item.label) || isResolvedNote(item))) resolvedGroups.add(item.headingLine);
  }

  let lastRegion: Region | undefined;
  let rAppendix = 0;
  let rAcceptance = 0;
  let rTests = 0;
  let rScope = 0;
  let rBuild = 0;
  let rQuestions = 0;
  let rResolved = 0;
  let rContext = 0;
  let rDependencies = 0;
  let rUi = 0;
  for (let ii = 0; ii < items.length; ii++) {
    const item = items[ii];
    const r = item.region;
    const s = item.sig;
    // Regions come in many shapes (reading their weights is a megamorphic lookup): read a region's
    // weights once, while consecutive items share it (items under one heading do).
    if (r !== lastRegion) {
      lastRegion = r;
      rAppendix = r.appendix ?? 0;
      rAcceptance = r.acceptance ?? 0;
      rTests = r.tests ?? 0;
      rScope = r.scope ?? 0;
      rBuild = r.build ?? 0;
      rQuestions = r.questions ?? 0;
      rResolved = r.resolved ?? 0;
      rContext = r.context ?? 0;
      rDependencies = r.dependencies ?? 0;
      rUi = r.ui ?? 0;
    }
    // The section's name is only needed for the markers and placeholders an item has.
    const section = s.clarifications.length || s.placeholders.length ? sectionOf(r) : DOCUMENT_SECTION;
    if (s.clarifications.length) for (const cl of s.clarifications) clarifications.push({ line: lineOfOffset(item, item.text.indexOf(cl.slice(1, 20))), text: cl, section });
    if (item.kind === 'code') {
      codeContributions(item, build, deps, acceptance, tests);
      continue;
    }
    // A supporting document carried in by an import (plan.md, research.md, tasks.md…) is
    // evidence; what it leaves unfinished is not deducted from the spec (clarifications still block).
    const appendix = rAppendix > 0;
    if (!appendix) {
      if (s.placeholders.length) for (const p of s.placeholders) placeholders.push({ line: lineOfOffset(item, item.text.indexOf(p.length > 2 ? p.slice(1, -1) : p)), text: p, section });
      if (s.template) templates.push(item);
      if (s.filler) fillers.push(item);
      else if (s.emptyClaim) emptyClaims.push(item);
    }
    // Vague words count where they make a requirement or a criterion uncheckable, not in
    // motivation or background prose.
    if (!appendix && (rAcceptance >= 0.5 || rTests > 0 || rScope > 0 || (s.modal && s.content >= 3 && rBuild >= 0.5))) {
      if (s.vague.length) for (const w of s.vague) if (!s.filler && !s.emptyClaim) vagueWords.push({ item, word: w });
    }

    const v = c(item);
    const a = rAcceptance;
    const testable = isTestable(s);
    const vAcc = testable ? v : Math.min(v, 0.2);

    // Questions: open ones in a questions section, unanswered ones elsewhere. Under a
    // sub-heading per question ("### Q-001: Default mode"), the sub-section is one question,
    // settled by a "Resolution:"/"Decision:" line.
    if (rQuestions > 0 && !rResolved) {
      if (appendix || s.nonContent || isResolvedNote(item) || resolvedGroups.has(item.headingLine)) continue;
      if (item.headingOwn) openQuestions.push(item);
      else if (!questionGroups.has(item.headingLine)) {
        questionGroups.add(item.headingLine);
        openQuestions.push(item);
      }
      continue;
    }
    if (s.question && !appendix && !rResolved && !answeredAfterQuestion(item.text) && !s.filler && !s.template) unanswered.push(item);

    // What to build.
    let wb = Math.max(rBuild, 0.35 * rContext, 0.4 * a, 0.3 * rDependencies, 0.35 * rResolved);
    if (s.modal && s.content >= 3 && !s.question) wb = Math.max(wb, 0.9);
    const story = isUserStory(item.text);
    if (story) wb = Math.max(wb, 0.9);
    if (wb > 0) contribute(build, item, wb, story ? Math.max(v, 0.5 * (v > 0 ? 1 : 0) + v * 0.5) : v);

    // Acceptance.
    let wa = a;
    if (s.gwt === 3) wa = 1;
    else if (testable && v >= 0.5) wa = Math.max(wa, rScope > 0 || rTests > 0 ? 0 : 0.5);
    if (wa > 0) contribute(acceptance, item, wa, vAcc);
    if (a >= 0.8 && !appendix) {
      acceptanceRegionItems.push(item);
      acceptanceRegionValues.push(vAcc);
    }

    // Scope.
    let ws = rScope;
    if (s.exclusion && !s.question) ws = Math.max(ws, 0.6);
    if (ws > 0) contribute(scope, item, ws, scopeValue(s));

    // Dependencies and contracts.
    let wd = rDependencies;
    if (s.dependencyWords > 0 && s.named > 0) wd = Math.max(wd, 0.5);
    if (s.route) wd = Math.max(wd, 0.5);
    // "None — only the standard library" is an answer; a bare "None" is not.
    const depValue = rDependencies > 0 && s.explicitNone && s.content >= 3 ? 1 : rDependencies > 0 && item.label && s.content >= 3 && !s.filler && !s.template && !s.generic ? Math.max(v, 0.6) : v;
    if (wd > 0) contribute(deps, item, wd, depValue);

    // Tests.
    let wt = rTests;
    if (s.testWords > 0 || s.testFile) wt = Math.max(wt, 0.8);
    if (wt > 0) contribute(tests, item, wt, testValue(s, v));

    // UI.
    if (rUi > 0 || s.uiWords > 0) uiItems.push(item);
    if (s.uiWords > 0) uiMentions++;
  }

  const q = {
    build: quality(build, CONCERN_TARGETS.build),
    acceptance: quality(acceptance, CONCERN_TARGETS.acceptance),
    scope: quality(scope, CONCERN_TARGETS.scope),
    dependencies: quality(deps, CONCERN_TARGETS.dependencies),
    tests: 0,
  };
  // Per-criterion concreteness: vague criteria in an acceptance section cost a share of the points.
  const vagueCriteria: SpecItem[] = [];
  for (let k = 0; k < acceptanceRegionItems.length; k++) {
    if (acceptanceRegionValues[k] < 0.45 && !acceptanceRegionItems[k].sig.nonContent) vagueCriteria.push(acceptanceRegionItems[k]);
  }
  if (acceptanceRegionItems.length >= 2) {
    const share = 1 - vagueCriteria.length / acceptanceRegionItems.length;
    q.acceptance *= 0.7 + 0.3 * share;
  }
  const explicitTests = quality(tests, CONCERN_TARGETS.tests);
  q.tests = Math.max(explicitTests, TESTS_FROM_ACCEPTANCE * q.acceptance);

  // UI applies when the spec is about screens: a UI section or several UI words.
  const uiRegionContent = uiItems.some((i) => (i.region.ui ?? 0) > 0 && !i.sig.nonContent && !i.sig.filler && !i.sig.template);
  const uiExplicitNone = uiItems.some((i) => (i.region.ui ?? 0) > 0 && (i.sig.nonContent || i.sig.explicitNone)) && !uiItems.some((i) => (i.region.ui ?? 0) > 0 && !i.sig.explicitNone && !i.sig.nonContent && !i.sig.filler && !i.sig.template && i.sig.content >= 3);
  // Several lines about screens (not one passing mention) make it UI work.
  const uiApplies = !uiExplicitNone && (uiRegionContent || uiMentions >= 3);
  let uiQ = 1;
  let uiDetail = 'no user interface work in this spec';
  if (uiApplies) {
    const states = new Set<string>();
    const interactions = new Set<string>();
    let labels = 0;
    for (const i of uiItems) {
      if (i.sig.filler || i.sig.template) continue;
      for (const st of i.sig.uiStates) states.add(st);
      for (const it of i.sig.uiInteractions) interactions.add(it);
      labels += i.sig.quotes + (i.sig.named > 0 && (i.region.ui ?? 0) > 0 ? 1 : 0);
    }
    uiQ = 0.35 * Math.min(1, states.size / 2) + 0.35 * Math.min(1, interactions.size / 2) + 0.3 * Math.min(1, labels / 2);
    uiDetail = `${states.size} state${states.size === 1 ? '' : 's'} (${[...states].slice(0, 4).join(', ') || 'none'}), ${interactions.size} interaction${interactions.size === 1 ? '' : 's'}, ${labels} exact label${labels === 1 ? '' : 's'}`;
  }

  // Open questions: a clarification marker zeroes the concern (and blocks); listed questions and
  // TBDs cost a share each.
  const tbd = placeholders.filter((p) => isTbd(p.text)).length;
  let questionsQ = 1 - 0.15 * openQuestions.length - 0.1 * tbd - 0.05 * Math.min(6, unanswered.length);
  if (clarifications.length > 0) questionsQ = 0;
  questionsQ = Math.max(0, questionsQ);

  // Points that come for free (no UI, no questions) only count in proportion to real content,
  // so an empty or filler document does not collect them.
  const substance = Math.min(1, (q.build + q.acceptance) / 1.2);

  const points: Record<ConcernKey, number> = {
    build: CONCERN_POINTS.build * q.build,
    acceptance: CONCERN_POINTS.acceptance * q.acceptance,
    scope: CONCERN_POINTS.scope * q.scope,
    dependencies: CONCERN_POINTS.dependencies * q.dependencies,
    tests: CONCERN_POINTS.tests * q.tests,
    ui: CONCERN_POINTS.ui * (uiApplies ? uiQ : 1) * (uiApplies ? 1 : substance),
    questions: CONCERN_POINTS.questions * questionsQ * substance,
  };

  // ---- grounding in the repository
  const grounding = options.repo ? groundNames(items, options.repo) : [];

  // ---- deductions
  const deductions: Deduction[] = [];
  const deduct = (key: DeductionKey, count: number) => {
    if (count <= 0) return;
    const d = DEDUCTIONS[key];
    deductions.push({ key, label: d.label, points: Math.min(d.max, d.each * count), count });
  };
  deduct('placeholders', placeholders.length);
  deduct('template', templates.length);
  const emptySections = findEmptySections(o.headings, items);
  deduct('empty-sections', emptySections.length);
  deduct('filler', fillers.length + emptyClaims.length);
  deduct('vague', vagueWords.length);
  deduct('grounding', grounding.length);

  const breakdown: ConcernScore[] = CONCERN_KEYS.map((key) => {
    const max = CONCERN_POINTS[key];
    const pts = Math.round(points[key]);
    const status: ConcernStatus = key === 'ui' && !uiApplies ? 'n/a' : pts >= max - 0.5 ? 'met' : pts <= max * BLOCKING_SHARE ? 'missing' : 'partial';
    return { key, label: CONCERN_LABELS[key], points: pts, max, status, detail: '' };
  });
  const byKey = Object.fromEntries(breakdown.map((b) => [b.key, b])) as Record<ConcernKey, ConcernScore>;
  byKey.build.detail = detailOf(build, 'statement');
  byKey.acceptance.detail = `${countWhere(acceptance, (_, v) => v >= 0.45)} testable criteria (${countWhere(acceptance, (item) => item.sig.gwt === 3)} Given/When/Then)${vagueCriteria.length ? `, ${vagueCriteria.length} not testable` : ''}`;
  const exclusions = countWhere(scope, (_, v) => v > 0);
  byKey.scope.detail = `${exclusions} exclusion${exclusions === 1 ? '' : 's'}`;
  const namedDeps = countWhere(deps, (_, v) => v >= 0.45);
  byKey.dependencies.detail = `${namedDeps} named module${namedDeps === 1 ? '' : 's'}, API${namedDeps === 1 ? '' : 's'} or contract${namedDeps === 1 ? '' : 's'}`;
  const concreteTests = countWhere(tests, (_, v) => v >= 0.45);
  byKey.tests.detail = explicitTests >= TESTS_FROM_ACCEPTANCE * q.acceptance ? `${concreteTests} concrete test expectation${concreteTests === 1 ? '' : 's'}` : 'derived from the acceptance criteria; no test named explicitly';
  byKey.ui.detail = uiApplies || byKey.ui.points === byKey.ui.max ? uiDetail : `${uiDetail}; these points count once the spec says what to build and how to check it`;
  byKey.questions.detail = clarifications.length ? `${clarifications.length} open [NEEDS CLARIFICATION] marker${clarifications.length === 1 ? '' : 's'}` : openQuestions.length || tbd || unanswered.length ? `${openQuestions.length} open question${openQuestions.length === 1 ? '' : 's'}, ${tbd} TBD, ${unanswered.length} unanswered` : 'none open';

  const total = breakdown.reduce((sum, b) => sum + b.points, 0) - deductions.reduce((sum, d) => sum + d.points, 0);
  const score = Math.max(0, Math.min(100, Math.round(total)));

  // ---- findings
  for (const cl of clarifications) {
    findings.add({ concern: 'questions', section: cl.section === DOCUMENT_SECTION ? CONCERN_LABELS.questions : cl.section, code: 'clarification', line: cl.line, severity: 'error', blocking: true, message: `Unresolved ${clip(cl.text, 100)}. Answer the question in the text and remove the marker; a spec with open questions cannot be accepted.` });
  }
  const examples = { names, bestAcceptance: best(acceptance, 0.6), bestBuild: best(build, 0.5), bestTest: best(tests, 0.6) };
  concernFindings(byKey, q, findings, examples, { uiApplies, openQuestions, build, acceptance });
  for (const criterion of vagueCriteria.slice(0, MAX_PER_KIND)) {
    const ex = examples.bestAcceptance && examples.bestAcceptance !== criterion ? ` — e.g. like line ${examples.bestAcceptance.line}: “${clip(examples.bestAcceptance.text, 90)}”` : ` — e.g. “Given …, when ${actionExample(names)}, then ${outcomeExample(names)}”`;
    findings.add({ concern: 'acceptance', section: CONCERN_LABELS.acceptance, code: 'vague-criterion', line: criterion.line, severity: 'warning', message: `Acceptance criterion not testable: “${clip(criterion.text, 90)}”. State what can be observed — an output, a status or exit code, an exact message, a number with its unit${ex}.` });
  }
  findings.more(vagueCriteria.length - MAX_PER_KIND, 'acceptance', 'vague-criterion', 'acceptance criteria are not testable');
  for (const item of openQuestions.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'questions', section: CONCERN_LABELS.questions, code: 'open-question', line: item.line, severity: 'warning', message: `Open question: “${clip(item.text, 90)}”. Answer it here (the decision and why), or say it does not block this work.` });
  }
  for (const item of unanswered.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'questions', section: sectionOf(item.region), code: 'unanswered-question', line: item.line, severity: 'warning', message: `“${clip(item.text, 90)}” asks without answering. State the expected behaviour instead, e.g. “${answerExample(item, names)}”.` });
  }
  findings.more(unanswered.length - MAX_PER_KIND, 'questions', 'unanswered-question', 'questions are asked without an answer');
  for (const p of placeholders.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: p.section, code: 'placeholder', line: p.line, severity: 'warning', message: `Placeholder ${p.text} left in place. Replace it with the actual decision or value.` });
  }
  findings.more(placeholders.length - MAX_PER_KIND, 'document', 'placeholder', 'placeholders are left in place');
  for (const item of templates.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: sectionOf(item.region), code: 'template-text', line: item.line, severity: 'warning', message: `Template text left in place: “${clip(item.text, 90)}”. Replace it with what this feature does.` });
  }
  findings.more(templates.length - MAX_PER_KIND, 'document', 'template-text', 'template sentences are left in place');
  for (const h of emptySections.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: sectionOf(h.region ?? {}), code: 'empty-section', line: h.line, severity: 'warning', message: `Section “${clip(h.text, 60)}” is empty. Write what it asks for, or remove the heading if it does not apply.` });
  }
  findings.more(emptySections.length - MAX_PER_KIND, 'document', 'empty-section', 'sections are empty');
  for (const item of fillers.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: sectionOf(item.region), code: 'filler', line: item.line, severity: 'warning', message: `Filler, not content: “${clip(item.text, 70)}”. Write what the feature does and how to check it${examples.bestBuild ? `, like line ${examples.bestBuild.line}` : ''}.` });
  }
  findings.more(fillers.length - MAX_PER_KIND, 'document', 'filler', 'filler lines');
  for (const item of emptyClaims.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: sectionOf(item.region), code: 'empty-claim', line: item.line, severity: 'warning', message: `“${clip(item.text, 70)}” says nothing an agent can check. Name the observable result, e.g. “${actionExample(names)} ${outcomeExample(names)}”.` });
  }
  findings.more(emptyClaims.length - MAX_PER_KIND, 'document', 'empty-claim', 'empty claims');
  for (const vw of vagueWords.slice(0, MAX_PER_KIND)) {
    findings.add({ concern: 'document', section: sectionOf(vw.item.region), code: 'vague-word', line: vw.item.line, severity: 'warning', message: `Vague “${vw.word}” without a measure. ${vagueHint(vw.word)}` });
  }
  findings.more(vagueWords.length - MAX_PER_KIND, 'document', 'vague-word', 'vague words');
  for (const g of grounding.slice(0, MAX_PER_KIND)) findings.add(g);
  findings.more(grounding.length - MAX_PER_KIND, 'dependencies', 'missing-path', 'names are not in the repository');

  const blocking = findings.list.some((f) => f.blocking);
  const accepted = score >= threshold && !blocking;
  return { score, accepted, threshold, ...(title !== undefined ? { title } : {}), breakdown, deductions, findings: findings.sorted() };
}

// ---------------------------------------------------------------------------------------------

function emptyResult(threshold: number): SpecScore {
  return {
    score: 0,
    accepted: false,
    threshold,
    breakdown: CONCERN_KEYS.map((key) => ({ key, label: CONCERN_LABELS[key], points: 0, max: CONCERN_POINTS[key], status: 'missing' as const, detail: 'empty' })),
    deductions: [],
    findings: [{ concern: 'document', section: DOCUMENT_SECTION, code: 'empty', message: 'empty: the spec has no text. Start with a `# Title`, say what to build, what is out of scope, and how to check it (acceptance criteria and tests).', severity: 'error', blocking: true, source: 'rubric' }],
  };
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff && c !== 160) return false;
  }
  return true;
}

/** 0–1: how concrete an item is. Non-content (filler, placeholders only, template text) is 0. */
export function concreteness(item: SpecItem): number {
  if (item.c !== undefined) return item.c;
  item.c = computeConcreteness(item);
  return item.c;
}

function computeConcreteness(item: SpecItem): number {
  const s = item.sig;
  if (s.nonContent || s.filler || s.emptyClaim || s.template || s.generic) return 0;
  let v = 0;
  v += s.named >= 1 ? 0.45 : s.namedWeak >= 1 ? 0.2 : 0;
  v += s.measure === 2 ? 0.3 : s.measure === 1 ? 0.15 : 0;
  v += s.observable ? 0.25 : s.modal ? 0.1 : 0;
  v += s.gwt === 3 ? 0.35 : s.condition ? 0.2 : 0;
  v += s.content >= 4 ? 0.1 : 0;
  v -= Math.min(0.5, 0.2 * s.vague.length);
  if (s.question) v = Math.min(v, 0.15);
  if (s.placeholders.length > 0) v *= 0.5;
  return Math.max(0, Math.min(1, v));
}

function isTestable(s: ItemSignals): boolean {
  return s.observable || s.gwt === 3 || s.condition || s.measure === 2 || s.statusCode;
}

function scopeValue(s: ItemSignals): number {
  if (s.nonContent || s.filler || s.template || s.generic || s.emptyClaim || s.content + s.named < 2 || s.question) return 0;
  const named = s.named > 0 || s.namedWeak > 0;
  if (!named && !s.exclusion && s.content < 3) return 0;
  const v = 0.6 + (named ? 0.4 : 0);
  return s.placeholders.length ? v * 0.5 : v;
}

function testValue(s: ItemSignals, v: number): number {
  if (s.nonContent || s.filler || s.template || s.generic || s.emptyClaim) return 0;
  if (s.testWords > 0 || s.testFile) {
    const t = 0.35 + (s.named > 0 || s.testFile ? 0.35 : s.namedWeak > 0 ? 0.15 : 0) + (s.observable || s.measure > 0 || s.gwt >= 2 || s.condition ? 0.3 : 0);
    return Math.min(1, s.placeholders.length ? t * 0.5 : t);
  }
  return v * 0.6;
}

function codeContributions(item: SpecItem, build: Contributions, deps: Contributions, acceptance: Contributions, tests: Contributions): void {
  const lines = item.codeLines ?? 0;
  if (lines === 0 || isPlaceholderCode(item.text)) return;
  const r = item.region;
  const lang = item.lang ?? '';
  const contract = CONTRACT_LANGS.has(lang) || looksLikeContract(item.text);
  const v = Math.min(0.8, 0.4 + 0.1 * Math.min(4, lines));
  const wb = Math.max(r.build ?? 0, 0.35 * (r.context ?? 0), 0.4 * (r.acceptance ?? 0));
  if (wb > 0) build.push(item, wb * 0.8, v);
  if (contract || (r.dependencies ?? 0) > 0) deps.push(item, Math.max(r.dependencies ?? 0, 0.6), v);
  if ((r.acceptance ?? 0) > 0) acceptance.push(item, r.acceptance ?? 0, v * 0.8);
  if ((r.tests ?? 0) > 0) tests.push(item, r.tests ?? 0, v);
}

const CONTRACT_LANGS = new Set(['json', 'jsonc', 'json5', 'yaml', 'yml', 'proto', 'protobuf', 'graphql', 'gql', 'sql', 'openapi', 'http', 'typescript', 'ts', 'go', 'rust', 'rs', 'java', 'kotlin', 'python', 'py', 'csharp', 'cs', 'swift', 'avro', 'thrift', 'xml', 'toml', 'hcl', 'prisma']);

function looksLikeContract(code: string): boolean {
  const head = code.length > 600 ? code.slice(0, 600) : code;
  return head.includes('interface ') || head.includes('type ') || head.includes('struct ') || head.includes('message ') || head.includes('CREATE TABLE') || head.includes('openapi:') || head.includes('"$schema"') || head.includes('apiVersion:') || head.includes('fn ') || head.includes('func ') || head.includes('def ');
}

function isPlaceholderCode(code: string): boolean {
  const t = code.trim();
  if (t.length < 4) return true;
  const lower = t.toLowerCase();
  return lower === 'todo' || lower === 'tbd' || lower === '...' || lower.startsWith('[') && lower.endsWith(']') && !lower.includes('\n');
}

function quality(list: Contributions, target: number): number {
  const seen = new Set<number>();
  let sum = 0;
  for (let k = 0; k < list.items.length; k++) {
    const w = list.w[k];
    const v = list.v[k];
    // Items that say little (a generic sentence) add nothing, however many there are.
    if (v < MIN_ITEM_VALUE || w <= 0) continue;
    const item = list.items[k];
    const key = (item.key ??= dedupeKey(item.text));
    if (seen.has(key)) continue;
    seen.add(key);
    sum += w * v;
    if (sum >= target) return 1;
  }
  return Math.min(1, sum / target);
}

/**
 * A hash of the item lower-cased, digits folded and spaces collapsed: "numbers sprinkled in"
 * copies of one sentence count once. (FNV-1a over the first 240 characters.)
 */
function dedupeKey(text: string): number {
  let h = 0x811c9dc5;
  let last = -1;
  const n = Math.min(text.length, 240);
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) c = 35; // #
    else if (c === 9) c = 32;
    else if (c >= 65 && c <= 90) c += 32;
    if ((c === 35 || c === 32) && c === last) continue;
    last = c;
    h ^= c;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function isUserStory(text: string): boolean {
  const a = text.indexOf('s a');
  if (a < 0 || a > 200) return false;
  const head = (text.length > 200 ? text.slice(0, 200) : text).toLowerCase();
  return (head.includes('as a ') || head.includes('as an ')) && (head.includes('i want') || head.includes('i need') || head.includes('i can') || head.includes('so that'));
}

function isResolvedNote(item: SpecItem): boolean {
  const lower = (item.text.length > 300 ? item.text.slice(0, 300) : item.text).toLowerCase();
  return lower.includes('resolved') || lower.includes('decision:') || lower.includes('answer:') || lower.includes('decided') || lower.startsWith('a:') || lower.includes(' → ') || lower.includes('no open questions') || lower.startsWith('none');
}

function isResolutionLabel(label: string | undefined): boolean {
  if (!label) return false;
  const l = label.toLowerCase();
  return l === 'resolution' || l === 'answer' || l === 'decision' || l === 'resolved' || l === 'outcome' || l === 'a' || l === 'decided';
}

/** "What happens when X? The request is rejected with 409." — the question is answered. */
function answeredAfterQuestion(text: string): boolean {
  const q = text.lastIndexOf('?');
  if (q < 0) return false;
  return text.length - q > 12;
}

function isTbd(text: string): boolean {
  const t = text.toUpperCase();
  return t === 'TBD' || t === 'TBA' || t === 'TBC' || t === '???' || t === '??' || t === 'TODO' || t === 'FIXME';
}

function sectionOf(r: Region): string {
  let bestKey: ConcernKey | undefined;
  let bestW = 0;
  for (const key of CONCERN_KEYS) {
    const w = r[key] ?? 0;
    if (w > bestW) {
      bestW = w;
      bestKey = key;
    }
  }
  return bestKey ? CONCERN_LABELS[bestKey] : DOCUMENT_SECTION;
}

/** Items of a concern's list that satisfy `pred` (scoreSpec adds an item to a list at most once, so this counts items). */
function countWhere(list: Contributions, pred: (item: SpecItem, v: number) => boolean): number {
  let count = 0;
  for (let k = 0; k < list.items.length; k++) {
    if (list.w[k] > 0 && pred(list.items[k], list.v[k])) count++;
  }
  return count;
}

function detailOf(list: Contributions, noun: string): string {
  const concrete = countWhere(list, (_, v) => v >= 0.45);
  return `${concrete} concrete ${noun}${concrete === 1 ? '' : 's'}`;
}

function best(list: Contributions, min: number): SpecItem | undefined {
  let top = -1;
  for (let k = 0; k < list.items.length; k++) {
    const item = list.items[k];
    if (item.kind === 'code' || item.text.length > 260) continue;
    const v = list.v[k];
    if (v >= min && (top < 0 || v * list.w[k] > list.v[top] * list.w[top])) top = k;
  }
  return top < 0 ? undefined : list.items[top];
}

// ---------------------------------------------------------------------------------------------
// Findings that say what to add, with examples drawn from the spec

type Names = { code: string[]; paths: string[]; commands: string[]; routes: string[]; labels: string[]; tests: string[] };

function collectNames(items: SpecItem[]): Names {
  const out: Names = { code: [], paths: [], commands: [], routes: [], labels: [], tests: [] };
  const add = (list: string[], v: string) => {
    if (list.length < 8 && !list.includes(v)) list.push(v);
  };
  for (let ii = 0; ii < items.length; ii++) {
    const item = items[ii];
    if (item.kind === 'code' || item.sig.filler || item.sig.template || (item.sig.names.length === 0 && item.sig.paths.length === 0)) continue;
    for (const n of item.sig.names) {
      if (n.startsWith('`')) {
        if (out.commands.length >= 8 && out.code.length >= 8) continue;
        const inner = n.slice(1, -1);
        if (inner.includes(' ') && (inner.startsWith('npm ') || inner.startsWith('npx ') || inner.includes(' --') || inner.startsWith('git ') || inner.startsWith('go ') || inner.startsWith('cargo ') || inner.startsWith('python') || inner.startsWith('/') || inner.split(' ').length <= 4)) add(out.commands, n);
        else add(out.code, n);
      } else if (n.startsWith('"')) add(out.labels, n);
    }
    for (const p of item.sig.paths) {
      if (item.sig.testFile && (p.includes('test') || p.includes('spec'))) add(out.tests, p);
      else add(out.paths, p);
    }
    if (item.sig.route) for (const n of item.sig.names) if (n.startsWith('/') || n.startsWith('`/')) add(out.routes, n);
  }
  return out;
}

function actionExample(n: Names): string {
  if (n.commands[0]) return `${n.commands[0]} runs`;
  if (n.routes[0]) return `a client calls ${n.routes[0]}`;
  if (n.code[0]) return `${n.code[0]} is called`;
  if (n.paths[0]) return `\`${n.paths[0]}\` is used`;
  return 'the user does <the action>';
}

function outcomeExample(n: Names): string {
  if (n.labels[0]) return `the page shows ${n.labels[0]}`;
  if (n.routes[0]) return 'it returns 200 with the created record';
  if (n.commands[0]) return 'it prints the result and exits 0';
  return 'the result is <what can be observed>';
}

function answerExample(item: SpecItem, n: Names): string {
  const q = clip(item.text.replace(/^\W+/, ''), 50).replace(/\?+\s*$/, '');
  return `${q}: ${outcomeExample(n)}`;
}

function testPathExample(n: Names): string {
  if (n.tests[0]) return `\`${n.tests[0]}\``;
  const p = n.paths.find((x) => x.includes('.'));
  if (p) {
    const dot = p.lastIndexOf('.');
    const ext = p.slice(dot + 1);
    return ext === 'py' ? `\`${p.slice(0, p.lastIndexOf('/') + 1)}test_${p.slice(p.lastIndexOf('/') + 1)}\`` : ext === 'go' ? `\`${p.slice(0, dot)}_test.go\`` : `\`${p.slice(0, dot)}.test.${ext}\``;
  }
  return 'a named test file';
}

function concernFindings(
  byKey: Record<ConcernKey, ConcernScore>,
  q: { build: number; acceptance: number; scope: number; dependencies: number; tests: number },
  findings: FindingList,
  ex: { names: Names; bestAcceptance?: SpecItem; bestBuild?: SpecItem; bestTest?: SpecItem },
  ctx: { uiApplies: boolean; openQuestions: SpecItem[]; build: Contributions; acceptance: Contributions },
): void {
  const n = ex.names;
  const quote = (item: SpecItem | undefined) => (item ? `like line ${item.line}: “${clip(item.text, 90)}”` : '');
  const add = (key: ConcernKey, message: string, blocking = false) => {
    const b = byKey[key];
    if (b.status === 'met' || b.status === 'n/a') return;
    const missing = b.status === 'missing';
    findings.add({ concern: key, section: b.label, code: missing ? 'missing-concern' : 'partial-concern', severity: missing || blocking ? 'error' : 'warning', ...(blocking ? { blocking: true } : {}), message: `${b.label} ${b.points}/${b.max}: ${message}` });
  };
  add('build', q.build < 0.3
    ? `say what to build — the behaviour, its inputs and outputs, and the files, commands or endpoints involved, e.g. “${actionExample(n)} and ${outcomeExample(n)}”.`
    : `name more of what changes: files, commands, endpoints, limits${ex.bestBuild ? `, ${quote(ex.bestBuild)}` : ''}.`, q.build < BLOCKING_SHARE);
  add('acceptance', q.acceptance < 0.3
    ? `add acceptance criteria an agent can check, one observable outcome each, e.g. “Given …, when ${actionExample(n)}, then ${outcomeExample(n)}”.`
    : `add testable criteria (an output, a status or exit code, an exact message, a number with its unit)${ex.bestAcceptance ? `, ${quote(ex.bestAcceptance)}` : ''}.`, q.acceptance < BLOCKING_SHARE);
  const other = n.paths[n.paths.length - 1] ?? n.code[n.code.length - 1];
  add('scope', `say what is out of scope so agents do not wander, e.g. “- No changes to ${other ? (other.startsWith('`') ? other : `\`${other}\``) : '<a module next to this work>'}” or “- No <related feature> in this version”.`);
  add('dependencies', `name the modules, APIs, services, files or schemas this relies on or changes${n.paths[0] || n.code[0] ? `, e.g. “- Uses ${n.code[0] ?? `\`${n.paths[0]}\``}”` : ' (by path or API name)'}, or write “None — <why>”.`);
  add('tests', `say which tests prove it and what they assert, e.g. “- An integration test in ${testPathExample(n)} checks that ${ex.bestAcceptance ? clip(ex.bestAcceptance.text.replace(/\*\*/g, ''), 70) : '<a criterion>'}”.`);
  if (ctx.uiApplies) add('ui', `describe the screens: loading, empty and error states, what each click or key does, and the exact labels and messages${n.labels[0] ? ` (such as ${n.labels[0]})` : ''}.`);
  if (byKey.questions.status !== 'met' && ctx.openQuestions.length === 0) {
    /* The per-question findings say what to answer. */
  }
}

function vagueHint(word: string): string {
  if (['fast', 'faster', 'quick', 'quickly', 'slow', 'performant', 'snappy', 'blazing', 'efficient', 'efficiently', 'scalable', 'lightweight', 'smooth', 'smoothly'].includes(word)) {
    return 'Give the number instead, e.g. “responds in under 200 ms at p95” or “handles 1,000 items”.';
  }
  return 'Say what observable result proves it, e.g. “a new user finishes in 3 steps” or “shows the error ‘Email is required’”.';
}

/**
 * Headings of a concern with nothing under them (sub-sections included): the shape of a template
 * whose blanks were never filled. Optional sections and the title do not count.
 */
function findEmptySections(headings: Heading[], items: SpecItem[]): Heading[] {
  // Lines of headings with content under them (one byte per line of the document).
  let maxLine = 0;
  for (let k = 0; k < items.length; k++) if (items[k].headingLine > maxLine) maxLine = items[k].headingLine;
  for (let k = 0; k < headings.length; k++) if (headings[k].line > maxLine) maxLine = headings[k].line;
  const withContent = new Uint8Array(maxLine + 1);
  for (let ii = 0; ii < items.length; ii++) {
    const item = items[ii];
    const s = item.sig;
    const has = item.kind === 'code' ? (item.codeLines ?? 0) > 0 && !isPlaceholderCode(item.text) : !s.nonContent && !s.filler && !s.template && !s.generic && !s.emptyClaim && s.content + s.named >= 2;
    if (has) withContent[item.headingLine] = 1;
  }
  const empty: Heading[] = [];
  const stack: Array<{ h: Heading; has: boolean }> = [];
  const close = (entry: { h: Heading; has: boolean }) => {
    if (entry.has && stack.length) stack[stack.length - 1].has = true;
    if (!entry.has && judged(entry.h)) empty.push(entry.h);
  };
  for (let k = 0; k < headings.length; k++) {
    const h = headings[k];
    while (stack.length && stack[stack.length - 1].h.level >= h.level) close(stack.pop()!);
    stack.push({ h, has: withContent[h.line] === 1 });
  }
  while (stack.length) close(stack.pop()!);
  return empty.sort((a, b) => a.line - b.line);
}

function judged(h: Heading): boolean {
  if (h.level <= 1 || h.level > 4 || h.kind === 'label' || !h.region || h.region.appendix) return false;
  if (h.text.toLowerCase().includes('optional')) return false;
  const r = h.region;
  return Math.max(r.build ?? 0, r.acceptance ?? 0, r.scope ?? 0, r.dependencies ?? 0, r.tests ?? 0, r.ui ?? 0) >= 0.5;
}

// ---------------------------------------------------------------------------------------------
// Grounding

const CREATE_HINTS = ['create', 'creates', 'created', 'add', 'adds', 'added', 'new', 'introduce', 'generate', 'scaffold', 'will be', 'migration', 'rename', 'move'];

function groundNames(items: SpecItem[], repo: RepoIndex): SpecFinding[] {
  const out: SpecFinding[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (item.kind === 'code') continue;
    const lower = item.text.length > 400 ? item.text.slice(0, 400).toLowerCase() : item.text.toLowerCase();
    const creates = item.sig.creation || CREATE_HINTS.some((h) => lower.includes(h));
    for (const raw of item.sig.paths) {
      const p = normalizeRepoPath(raw);
      if (!p || seen.has(p) || p.includes('<') || p.includes('{') || p.includes('*')) continue;
      seen.add(p);
      if (repo.has(p) || repo.has(p.endsWith('/') ? p.slice(0, -1) : p)) continue;
      if (creates) continue;
      out.push({ concern: 'dependencies', section: CONCERN_LABELS.dependencies, code: 'missing-path', line: item.line, severity: 'warning', message: `\`${p}\` does not exist in the repository. Fix the path, or say the work creates it (“Create \`${p}\` …”).` });
    }
    if (repo.hasSymbol) {
      for (const sym of item.sig.symbols) {
        if (seen.has(`sym:${sym}`) || sym.length < 4) continue;
        seen.add(`sym:${sym}`);
        if (repo.hasSymbol(sym) || creates) continue;
        out.push({ concern: 'dependencies', section: CONCERN_LABELS.dependencies, code: 'missing-symbol', line: item.line, severity: 'warning', message: `\`${sym}\` does not appear in the repository's code. Check the name, or say the work adds it.` });
      }
    }
    if (repo.scripts) {
      for (const n of item.sig.names) {
        if (!n.startsWith('`npm run ')) continue;
        const script = n.slice('`npm run '.length, -1).split(' ')[0];
        if (!script || seen.has(`npm:${script}`)) continue;
        seen.add(`npm:${script}`);
        if (repo.scripts.has(script) || creates) continue;
        out.push({ concern: 'dependencies', section: CONCERN_LABELS.dependencies, code: 'missing-script', line: item.line, severity: 'warning', message: `\`npm run ${script}\`: package.json has no "${script}" script. Name an existing script, or say the work adds it.` });
      }
    }
  }
  return out;
}

function normalizeRepoPath(p: string): string {
  let t = p.trim();
  while (t.startsWith('./')) t = t.slice(2);
  if (t.startsWith('/')) return '';
  return t;
}

// ---------------------------------------------------------------------------------------------

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

class FindingList {
  list: SpecFinding[] = [];
  add(f: Omit<SpecFinding, 'source'>): void {
    if (this.list.length >= MAX_FINDINGS && !f.blocking) return;
    this.list.push({ ...f, source: 'rubric' });
  }
  more(extra: number, concern: ConcernKey | 'document', code: FindingCode, what: string): void {
    if (extra <= 0) return;
    this.add({ concern, section: concern === 'document' ? DOCUMENT_SECTION : CONCERN_LABELS[concern], code: 'more', severity: 'info', message: `…and ${extra} more: ${what} (${code}).` });
  }
  sorted(): SpecFinding[] {
    return this.list
      .map((f, i) => [f, i] as const)
      .sort(([a, ia], [b, ib]) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.line ?? 0) - (b.line ?? 0) || ia - ib)
      .map(([f]) => f);
  }
}
