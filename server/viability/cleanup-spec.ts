import { ruleById } from './catalogue';
import { SEVERITY_RANK, type Category, type Finding, type RuleInfo } from './types';

/** At most this many occurrences go into one cleanup spec: one reviewable pull request. */
export const MAX_SPEC_OCCURRENCES = 40;

export type CleanupInput = {
  /** Findings of a scan (all rules, or the one asked for). */
  findings: readonly Finding[];
  /** The rule asked for (`--rule`); otherwise the most severe rule that fires. */
  rule?: string;
  /** How the repository runs its tests (`npm test`), when it says. */
  testCommand?: string;
  /** How the spec tells a reader to re-run the scan (`--repo .` is the repository root). */
  scanCommand?: (rule: string) => string;
};

export type CleanupSpec = {
  title: string;
  markdown: string;
  /** The rule the spec removes, and the occurrences it covers. */
  rule: string;
  included: Finding[];
  /** Occurrences of the rule left for a later spec (over the size cap). */
  leftOut: Finding[];
};

const defaultScanCommand = (rule: string) => `npx nightshift viability scan --repo . --rule ${rule} --json`;

function ruleInfo(id: string, sample: Finding): RuleInfo {
  const r = ruleById(id);
  return r ?? { id, language: 'js', category: 'correctness', severity: sample.severity, title: id, message: sample.message, instead: sample.instead };
}

/**
 * Picks what one spec covers: the rule asked for, else the most severe rule that fires (most
 * occurrences first among equals); over the cap, whole files of it in path order.
 */
function choose(findings: readonly Finding[], rule: string | undefined): { rule?: string; included: Finding[]; leftOut: Finding[] } {
  const counts = new Map<string, Finding[]>();
  for (const f of findings) counts.set(f.rule, [...(counts.get(f.rule) ?? []), f]);
  const chosen =
    rule ??
    [...counts.entries()].sort(([a, fa], [b, fb]) => SEVERITY_RANK[fa[0].severity] - SEVERITY_RANK[fb[0].severity] || fb.length - fa.length || a.localeCompare(b))[0]?.[0];
  const pool = chosen ? (counts.get(chosen) ?? []) : [];
  const byFile = new Map<string, Finding[]>();
  for (const f of pool) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const included: Finding[] = [];
  const leftOut: Finding[] = [];
  for (const [, fs] of [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (included.length === 0 || included.length + fs.length <= MAX_SPEC_OCCURRENCES) included.push(...fs.sort((a, b) => a.line - b.line));
    else leftOut.push(...fs);
  }
  return { rule: chosen, included, leftOut };
}

/** What a test of a changed function asserts, by the kind of harm the pattern did. */
const TEST_HINTS: Record<Category, string> = {
  injection:
    'Where a changed function has no unit test yet, add one next to it that calls it with input containing a quote, a `;` and `../` and asserts that the result for ordinary input is unchanged and that those characters reach no query, shell, file path or HTML as code.',
  errors:
    'Where a changed error path has no test yet, add one that makes the call fail (a rejected promise, a raised exception) and asserts the failure is logged or propagated (the promise rejects, the exception is raised) instead of ending in a silent fallback value.',
  secrets:
    'A test starts the changed code with the credential unset in the environment and asserts it stops with an error naming the missing variable; a test of a changed token generator asserts 2 generated tokens differ and have the expected length.',
  types:
    'The type check passes (`npx tsc --noEmit` exits with code 0) with the casts replaced, and the tests of the changed files still pass.',
  performance:
    'Where a changed handler has no test yet, add one that sends it a request and asserts the same status code and body as before the change.',
  correctness:
    'Where a changed function has no unit test yet, add one that calls it twice and asserts the second call does not see state left by the first.',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A code fence longer than any backtick run in the code it holds. */
const fenceFor = (text: string) => '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));

/**
 * A spec that removes the occurrences of one rule from a repository: what to change and
 * where (file and line, the code there now, the alternative), what not to touch, and acceptance
 * that is checked by commands — the rule no longer fires in those files, the tests still pass.
 * Undefined when there is nothing to clean up.
 */
export function cleanupSpec(input: CleanupInput): CleanupSpec | undefined {
  const { rule, included, leftOut } = choose(input.findings, input.rule);
  if (!rule || included.length === 0) return undefined;
  const scan = (input.scanCommand ?? defaultScanCommand)(rule);
  const info = ruleInfo(rule, included[0]);
  const files = [...new Set(included.map((f) => f.file))].sort();
  const others = input.findings.filter((f) => f.rule !== rule);
  const title = `Cleanup: ${info.title} (${info.id})`;
  const fileCount = files.length === 1 ? 'the file' : `the ${files.length} files`;

  const out: string[] = [`# ${title}`, ''];
  out.push('## What to build', '');
  out.push(
    `Replace the ${plural(included.length, 'occurrence')} of the ${info.severity}-severity pattern \`${info.id}\` that the Nightshift viability scan reports in ${plural(files.length, 'file')} of this repository with the preferred alternative below, so that agents and people stop copying the pattern. Each change keeps the behaviour of the surrounding code for valid input: same exported names, same parameters, same results.`,
    '',
  );
  // Names in the reason (`KeyboardInterrupt`, `eval`) describe the pattern, not this repository's code.
  out.push(`Why the new code must not do this: ${info.message.replace(/`([^`]+)`/g, '$1')}`, '');
  out.push(`Instead, the new code uses the alternative: ${info.instead}`, '');
  out.push('Where:', '');
  for (const file of files) {
    const lines = included.filter((f) => f.file === file).map((f) => f.line);
    out.push(`- \`${file}\` ${lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(', ')}`}`);
  }
  const code = included.map((f) => `${f.file}:${f.line}: ${f.snippet}`).join('\n');
  const fence = fenceFor(code);
  out.push('', 'The code there now:', '', `${fence}text`, code, fence, '');

  out.push('## What not to build', '');
  out.push(`- No changes to files other than ${fileCount} listed above, except new or updated test files that cover the changed lines.`);
  out.push('- No change to the name, parameters or return type of any exported function, class or module in those files.');
  out.push('- No new runtime dependency unless the alternative above names it; no upgrade of existing dependencies.');
  out.push('- No reformatting, renaming or reordering of code that is not on a listed line or needed to change it.');
  out.push('- No existing test assertion removed or weakened to make the suite pass.');
  if (leftOut.length) out.push(`- No changes for the ${plural(leftOut.length, 'other occurrence')} of \`${rule}\` in ${plural(new Set(leftOut.map((f) => f.file)).size, 'other file')}: they are left for a later cleanup spec, to keep this change reviewable.`);
  if (others.length) {
    const ruleIds = [...new Set(others.map((f) => f.rule))];
    out.push(`- No changes for the other rules the scan reports (${plural(others.length, 'occurrence')} of ${ruleIds.slice(0, 8).map((r) => `\`${r}\``).join(', ')}${ruleIds.length > 8 ? ` and ${ruleIds.length - 8} more` : ''}): each gets its own cleanup spec.`);
  }
  out.push('');

  out.push('## Acceptance criteria', '');
  let n = 1;
  const where = leftOut.length ? `for the ${plural(files.length, 'file')} listed above` : 'anywhere in the repository';
  out.push(`${n++}. \`${scan}\` prints a last line whose findings list is empty ${where} (it lists ${included.length} there before this change).`);
  for (const file of files) {
    const lines = included.filter((f) => f.file === file).map((f) => f.line);
    out.push(`${n++}. \`${file}\` (${lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(', ')}`}) uses the alternative named above, and the file still parses: the scan reports no parse error for it.`);
  }
  out.push(
    input.testCommand
      ? `${n++}. \`${input.testCommand}\` exits with code 0 after the change, as it does before it.`
      : `${n++}. No test command was found in this repository (no npm test script, no pytest, Go, Cargo or Makefile test target), so the check is the scan above: it exits with code 0 and reports no parse error in the changed files.`,
  );
  out.push(`${n++}. \`git diff --stat\` against the base branch lists only ${fileCount} named above and test files.`, '');

  out.push('## Dependencies and contracts', '');
  for (const file of files) {
    const here = included.filter((f) => f.file === file);
    const symbols = [...new Set(here.map((f) => f.symbol).filter((x): x is string => !!x))];
    out.push(`- Changes \`${file}\`${symbols.length ? `: ${symbols.map((x) => `\`${x}\``).join(', ')}` : ''} (${here.length === 1 ? 'line' : 'lines'} ${here.map((f) => f.line).join(', ')}).`);
  }
  const symbols = [...new Set(included.map((f) => f.symbol).filter((x): x is string => !!x))];
  out.push(`- Checked with the Nightshift viability scan, rule \`${rule}\` (\`${scan}\`).`);
  if (input.testCommand) out.push(`- Relies on the repository's own test command, \`${input.testCommand}\`, unchanged.`);
  out.push(
    symbols.length
      ? `- No new packages and no public contract changes: ${symbols.slice(0, 6).map((x) => `\`${x}\``).join(', ')} keep their names, parameters and results, so their callers are untouched.`
      : '- No new packages and no public contract changes: callers of the changed code are untouched.',
    '',
  );

  out.push('## Test expectations', '');
  if (input.testCommand) out.push(`- The existing suite passes: \`${input.testCommand}\` exits with code 0.`);
  out.push(`- The scan in acceptance criterion 1 is run after the change and its findings list is empty ${where}.`);
  out.push(`- ${TEST_HINTS[info.category]}`, '');

  out.push('## UI/UX', '');
  out.push('None — no UI changes: this cleanup changes code paths only, and every screen, message and label stays the same.', '');
  return { title, markdown: out.join('\n'), rule, included, leftOut };
}
