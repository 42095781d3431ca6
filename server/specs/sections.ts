/**
 * The six sections of a Nightshift spec and the heading texts accepted for each. Pure data: the
 * web editor imports this in the browser, so no node: imports here.
 */
export const SECTION_KEYS = ['whatToBuild', 'whatNotToBuild', 'acceptance', 'dependencies', 'tests', 'uiux'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** The canonical heading of each section, as findings name it and as `## …` should spell it. */
export const SECTION_LABELS: Record<SectionKey, string> = {
  whatToBuild: 'What to build',
  whatNotToBuild: 'What not to build',
  acceptance: 'Acceptance criteria',
  dependencies: 'Dependencies and contracts',
  tests: 'Test expectations',
  uiux: 'UI/UX',
};

/**
 * Heading texts (after normalisation: lower case, `&` → `and`, punctuation and emphasis removed)
 * that open each section. The issue names the synonyms; a few obvious spellings are added
 * ("goals", "testing", "user interface") because people write them and rejecting them helps nobody.
 */
const SYNONYMS: Record<SectionKey, readonly string[]> = {
  whatToBuild: ['what to build', 'goal', 'goals', 'what we are building', 'scope'],
  whatNotToBuild: ['what not to build', 'non goals', 'nongoals', 'non goal', 'out of scope', 'guardrails', 'guard rails'],
  acceptance: ['acceptance criteria', 'acceptance', 'acceptance tests'],
  dependencies: ['dependencies and contracts', 'contracts and dependencies', 'dependencies', 'contracts'],
  tests: ['test expectations', 'tests', 'testing', 'test plan'],
  uiux: ['ui ux', 'ui', 'ux', 'user interface', 'ux ui'],
};

const HEADING_TO_KEY: ReadonlyMap<string, SectionKey> = new Map(
  SECTION_KEYS.flatMap((key) => SYNONYMS[key].map((text) => [text, key] as const)),
);

/** Lower-cases a heading and strips decoration so `## **Out-of-Scope:**` matches "out of scope". */
export function normalizeHeading(text: string): string {
  return text
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ') // "(mandatory)", "(optional)"
    .replace(/&/g, ' and ')
    .replace(/[`*_~:#.!?]/g, ' ')
    .replace(/[-/\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The section a heading opens, or undefined for any other heading. */
export function sectionForHeading(text: string): SectionKey | undefined {
  const normalized = normalizeHeading(text);
  return HEADING_TO_KEY.get(normalized) ?? HEADING_TO_KEY.get(normalized.replace(/ /g, ''));
}
