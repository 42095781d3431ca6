import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scoreSpec } from '../../specs/score';
import { cleanupSpec, detectTestCommand, ruleInfos, scanRepository, UnknownRuleError, type ScanResult } from '../../viability';

const USAGE = `usage:
  nightshift viability scan --repo DIR [--rule RULE]… [--json]
      scan a repository; the last line is {"findings":[{"rule","file","line","message","instead"}],"rulesChecked":N,…}
  nightshift viability cleanup --repo DIR [--rule RULE] --out FILE.md
      write a spec that removes the occurrences the scan finds (one rule, or the most severe ones)
  nightshift viability rules [--json]
      list the rule catalogue
`;

/** `nightshift viability …`: anti-pattern scans and cleanup specs. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'scan') return scan(rest);
  if (sub === 'cleanup') return cleanup(rest);
  if (sub === 'rules') return rules(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`nightshift viability: ${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}\n${USAGE}`);
  return 2;
}

function fail(cmd: string, message: string, code = 2): number {
  process.stderr.write(`nightshift viability ${cmd}: ${message}\n`);
  return code;
}

async function checkRepo(cmd: string, repo: string | undefined): Promise<string | number> {
  if (!repo) return fail(cmd, `--repo DIR is required\n${USAGE}`);
  const dir = path.resolve(repo);
  try {
    if (!(await stat(dir)).isDirectory()) return fail(cmd, `${repo} is not a directory`);
  } catch {
    return fail(cmd, `${repo}: no such directory`);
  }
  return dir;
}

async function runScan(cmd: string, dir: string, rules: string[] | undefined): Promise<ScanResult | number> {
  try {
    return await scanRepository(dir, { rules });
  } catch (err) {
    if (err instanceof UnknownRuleError) return fail(cmd, err.message);
    throw err;
  }
}

async function scan(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { repo: { type: 'string' }, rule: { type: 'string', multiple: true }, json: { type: 'boolean' } } });
  } catch (err) {
    return fail('scan', `${(err as Error).message}\n${USAGE}`);
  }
  const dir = await checkRepo('scan', parsed.values.repo);
  if (typeof dir === 'number') return dir;
  const started = performance.now();
  const result = await runScan('scan', dir, parsed.values.rule);
  if (typeof result === 'number') return result;
  const seconds = (performance.now() - started) / 1000;
  if (!parsed.values.json) {
    for (const f of result.findings) process.stdout.write(`${f.file}:${f.line}  ${f.rule}  ${f.message}\n    instead: ${f.instead}\n`);
    for (const p of result.problems) process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}  (${p.kind}) ${p.message}\n`);
    if (result.filesScanned === 0) process.stdout.write(`no JavaScript, TypeScript or Python files to scan in ${parsed.values.repo}\n`);
    process.stdout.write(
      `${result.findings.length} findings in ${result.filesScanned} files (${result.rulesChecked} rules, ${result.problems.length} files reported) in ${seconds.toFixed(2)} s, ${Math.round(result.filesScanned / Math.max(seconds, 1e-3))} files/s\n`,
    );
  }
  const findings = result.findings.map(({ rule, file, line, message, instead }) => ({ rule, file, line, message, instead }));
  process.stdout.write(`${JSON.stringify({ findings, rulesChecked: result.rulesChecked, filesScanned: result.filesScanned, problems: result.problems })}\n`);
  return 0;
}

async function cleanup(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { repo: { type: 'string' }, rule: { type: 'string' }, out: { type: 'string' } } });
  } catch (err) {
    return fail('cleanup', `${(err as Error).message}\n${USAGE}`);
  }
  if (!parsed.values.out) return fail('cleanup', `--out FILE.md is required\n${USAGE}`);
  const dir = await checkRepo('cleanup', parsed.values.repo);
  if (typeof dir === 'number') return dir;
  const rule = parsed.values.rule;
  const result = await runScan('cleanup', dir, rule ? [rule] : undefined);
  if (typeof result === 'number') return result;
  const spec = cleanupSpec({ findings: result.findings, rule, testCommand: detectTestCommand(dir) });
  if (!spec) {
    return fail('cleanup', `nothing to clean up: ${rule ? `rule ${rule} does not fire` : 'no rule fires'} in ${parsed.values.repo} (${result.filesScanned} files scanned); no spec written`, 1);
  }
  const out = path.resolve(parsed.values.out);
  try {
    await writeFile(out, spec.markdown);
  } catch (err) {
    return fail('cleanup', `cannot write ${parsed.values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const gate = scoreSpec(spec.markdown);
  process.stdout.write(
    `${JSON.stringify({ out, title: spec.title, rule: spec.rule, occurrences: spec.included.length, leftOut: spec.leftOut.length, files: [...new Set(spec.included.map((f) => f.file))].length, score: gate.score, accepted: gate.accepted })}\n`,
  );
  // The spec is written either way; a spec the gate would refuse is a bug here, so say so loudly.
  if (!gate.accepted) return fail('cleanup', `the spec scores ${gate.score} and the spec gate would not accept it: ${gate.findings.map((f) => f.message).join(' | ')}`, 1);
  return 0;
}

async function rules(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const infos = ruleInfos();
  if (json) process.stdout.write(`${JSON.stringify({ rules: infos })}\n`);
  else for (const r of infos) process.stdout.write(`${r.id.padEnd(30)} ${r.severity.padEnd(9)} ${r.title}\n`);
  return 0;
}
