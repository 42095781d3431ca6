import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeSpecBytes } from '../../specs/decode';
import { buildRepoIndex } from '../../specs/repo-index';
import { scoreSpec } from '../../specs/score';
import { scoreJson } from '../../specs/score-json';
import { importSpecKit } from '../../specs/speckit';

const USAGE = `usage:
  nightshift spec score FILE [--threshold N] [--repo DIR]
      print {"score","accepted","threshold","breakdown":[…],"deductions":[…],"findings":[…]}
      --repo DIR  check the files, symbols and npm scripts the spec names against that checkout
  nightshift spec import-speckit DIR
      print the imported spec as JSON; warnings also go to stderr; a dependency cycle exits 2
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

/** Reads a spec file as text whatever its encoding; a directory or a binary file is a clear error. */
export async function readSpecFile(file: string): Promise<{ ok: true; text: string; encoding: string } | { ok: false; error: string }> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}` };
  }
  if (info.isDirectory()) return { ok: false, error: `${file} is a directory, not a spec file; pass the spec's Markdown file (for a Spec Kit folder use \`nightshift spec import-speckit ${file}\`)` };
  if (!info.isFile()) return { ok: false, error: `${file} is not a regular file` };
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, error: `cannot read ${file}: ${(err as Error).message}` };
  }
  const decoded = decodeSpecBytes(bytes);
  if (!decoded.ok) return { ok: false, error: `${file} is not a text file (${decoded.reason})` };
  return { ok: true, text: decoded.text, encoding: decoded.encoding };
}

async function score(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { threshold: { type: 'string' }, repo: { type: 'string' } } });
  } catch (err) {
    process.stderr.write(`nightshift spec score: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    process.stderr.write(`nightshift spec score: expected exactly one FILE\n${USAGE}`);
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
  const read = await readSpecFile(file);
  if (!read.ok) {
    process.stderr.write(`nightshift spec score: ${read.error}\n`);
    return 2;
  }
  let repo;
  if (parsed.values.repo) {
    const info = await stat(parsed.values.repo).catch(() => null);
    if (!info?.isDirectory()) {
      process.stderr.write(`nightshift spec score: --repo ${parsed.values.repo} is not a directory\n`);
      return 2;
    }
    repo = await buildRepoIndex(parsed.values.repo);
  }
  const result = scoreSpec(read.text, { ...(threshold !== undefined ? { threshold } : {}), ...(repo ? { repo } : {}) });
  process.stdout.write(`${JSON.stringify(scoreJson(result))}\n`);
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
  const { spec } = result;
  for (const w of spec.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
  if (spec.cycle) {
    process.stderr.write(`nightshift spec import-speckit: tasks.md has a dependency cycle: ${spec.cycle.join(' → ')}\n`);
    return 2;
  }
  return 0;
}
