/**
 * Viability: anti-patterns that agents copy from the code they read. A rule recognises one
 * pattern on a syntax tree and says what to write instead; a scan runs the catalogue over files.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Lower is more severe: the order prompts and cleanup specs list patterns in. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export const LANGUAGES = ['js', 'python'] as const;
export type Language = (typeof LANGUAGES)[number];

/** What kind of harm a pattern does; decides how a cleanup spec asks for it to be tested. */
export const CATEGORIES = ['injection', 'errors', 'secrets', 'types', 'performance', 'correctness'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What every rule declares, whatever the language it reads. */
export type RuleInfo = {
  /** `js/sql-concat`, `py/yaml-load`: language prefix, then a kebab-case name. */
  id: string;
  language: Language;
  category: Category;
  severity: Severity;
  /** One short line: what the pattern is ("SQL built by string concatenation"). */
  title: string;
  /** Why it is bad, as a finding says it. */
  message: string;
  /** The preferred alternative, concretely (an API, a call shape). */
  instead: string;
  /**
   * The reported node is a secret value: the finding's snippet shows `<redacted>` in its place, so
   * the value never reaches a prompt, a spec, the database or a page.
   */
  redactsValue?: boolean;
};

/** One occurrence of a pattern. The first five fields are the wire shape of `viability scan`. */
export type Finding = {
  rule: string;
  /** Relative to the scanned root, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  message: string;
  instead: string;
  severity: Severity;
  /** The source line, trimmed and clipped: a negative example a prompt or spec can quote. */
  snippet: string;
  /** The function or method the occurrence is in, when it is in one. */
  symbol?: string;
};

/** A file the scan could not read as code; the scan reports it and goes on. */
export type ScanProblem = {
  file: string;
  kind: 'parse-error' | 'binary' | 'too-large' | 'minified' | 'unreadable';
  message: string;
  line?: number;
};

export type ScanResult = {
  findings: Finding[];
  rulesChecked: number;
  filesScanned: number;
  problems: ScanProblem[];
};
