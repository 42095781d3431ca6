/**
 * `npm run bench:viability [-- --repo DIR]` — scan speed of the viability rule catalogue on a real
 * repository (default: this one), in files per second. The baseline, measured in the same run on
 * the same files, is reading and parsing alone (TypeScript's `createSourceFile`, tree-sitter's
 * Python parser) with no rule: the ratio says what the 34 rules cost on top of the syntax trees
 * they need anyway. Files are read once before timing, so disk speed does not blur the figures.
 * Prints a table, then one JSON line with the figures.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RULES } from '../server/viability/catalogue';
import { isBinary, languageOf, listCodeFiles, looksMinified } from '../server/viability/files';
import { parseJs } from '../server/viability/js-tree';
import { parsePython } from '../server/viability/py-tree';
import { scanSource } from '../server/viability/scan';

const RUNS = 3;

const { values } = parseArgs({ options: { repo: { type: 'string' } } });
const root = path.resolve(values.repo ?? path.join(import.meta.dirname, '..'));

const files: Array<{ file: string; text: string }> = [];
for (const file of await listCodeFiles(root)) {
  const buf = await readFile(path.join(root, file)).catch(() => undefined);
  if (!buf || buf.length > 1024 * 1024 || isBinary(buf)) continue;
  const text = buf.toString('utf8');
  if (!looksMinified(text)) files.push({ file, text });
}
if (files.length === 0) {
  process.stderr.write(`bench:viability: no JavaScript, TypeScript or Python files in ${root}\n`);
  process.exit(2);
}
const bytes = files.reduce((n, f) => n + f.text.length, 0);
const byLanguage = { js: files.filter((f) => languageOf(f.file) === 'js').length, python: files.filter((f) => languageOf(f.file) === 'python').length };

async function parseOnly(): Promise<void> {
  for (const { file, text } of files) {
    if (languageOf(file) === 'js') parseJs(file, text);
    else {
      const r = await parsePython(text);
      if (r.ok) r.tree.delete();
    }
  }
}

let findings = 0;
async function fullScan(): Promise<void> {
  findings = 0;
  for (const { file, text } of files) findings += (await scanSource(file, text, RULES)).findings.length;
}

async function best(fn: () => Promise<void>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

await parseOnly(); // warm-up: JIT, the tree-sitter WebAssembly module
const parseMs = await best(parseOnly);
const scanMs = await best(fullScan);
const fps = (ms: number) => Math.round((files.length / ms) * 1000);

const rows = [
  ['measure', 'ms (best of 3)', 'files/s'],
  ['parse only (baseline)', parseMs.toFixed(0), String(fps(parseMs))],
  [`parse + ${RULES.length} rules`, scanMs.toFixed(0), String(fps(scanMs))],
];
process.stdout.write(`repository: ${root}\nfiles: ${files.length} (${byLanguage.js} JS/TS, ${byLanguage.python} Python), ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${findings} findings\n\n`);
for (const r of rows) process.stdout.write(`${r[0].padEnd(26)} ${r[1].padStart(16)} ${r[2].padStart(10)}\n`);
process.stdout.write(`\nrules cost ${(scanMs / parseMs).toFixed(2)}× the parse alone\n`);
process.stdout.write(
  `${JSON.stringify({ repo: root, files: files.length, jsFiles: byLanguage.js, pythonFiles: byLanguage.python, bytes, rules: RULES.length, findings, parseMs: Math.round(parseMs), scanMs: Math.round(scanMs), filesPerSecond: fps(scanMs), baselineFilesPerSecond: fps(parseMs), ratioToBaseline: Number((scanMs / parseMs).toFixed(2)) })}\n`,
);
