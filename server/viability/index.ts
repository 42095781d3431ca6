/** Viability: anti-pattern rules on syntax trees, scans, cleanup specs. */
export { RULES, JS_RULES, PY_RULES, ruleById, ruleInfos, type Rule } from './catalogue';
export { scanRepository, scanSource, selectRules, bySeverity, UnknownRuleError, MAX_FILE_BYTES, type ScanOptions } from './scan';
export { cleanupSpec, MAX_SPEC_OCCURRENCES, type CleanupSpec, type CleanupInput } from './cleanup-spec';
export { detectTestCommand } from './test-command';
export { SEVERITIES, SEVERITY_RANK, type Finding, type RuleInfo, type ScanProblem, type ScanResult, type Severity, type Language } from './types';
