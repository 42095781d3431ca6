import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { scoreSpec } from '../../specs/score';
import { importSpecKit } from '../../specs/speckit';

const USAGE = `usage:
  nightshift spec score FILE.md [--threshold N]   print {"score","accepted","findings"}
  nightshift spec import-speckit DIR              print the imported spec as JSON
`;

/** `nightshift spec …`: score a spec (exit 0 whether accepted or not) or import a Spec Kit folder. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'score') return score(rest);
  if (sub === 'import-speckit') return importFolder(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`nightshift spec: ${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}\n${USAGE}`);
  return 2;
}

async function score(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { threshold: { type: 'string' } } });
  } catch (err) {
    process.stderr.write(`nightshift spec score: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    process.stderr.write(`nightshift spec score: expected exactly one FILE.md\n${USAGE}`);
    return 2;
  }
  let threshold: number | undefined;
  if (parsed.values.threshold !== undefined) {
    threshold = Number(parsed.values.threshold);
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
      process.stderr.write(`nightshift spec score: --threshold must be a number from 0 to 100, got "${parsed.values.threshold}"\n`);
      return 2;
    }
  }
  let markdown: string;
  try {
    markdown = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`nightshift spec score: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}\n`);
    return 2;
  }
  const result = scoreSpec(markdown, { threshold });
  const findings = result.findings.map((f) => (f.line === undefined ? { section: f.section, message: f.message } : { section: f.section, line: f.line, message: f.message }));
  process.stdout.write(`${JSON.stringify({ score: result.score, accepted: result.accepted, findings })}\n`);
  return 0;
}

async function importFolder(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (!dir || argv.length > 1) {
    process.stderr.write(`nightshift spec import-speckit: expected exactly one DIR\n${USAGE}`);
    return 2;
  }
  const result = await importSpecKit(dir);
  if (!result.ok) {
    process.stderr.write(`nightshift spec import-speckit: ${result.error}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(result.spec, null, 2)}\n`);
  return 0;
}
