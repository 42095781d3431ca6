/**
 * `npm run bench:spec` — the completeness model on documents of 100 KB, 1 MB and 20 MB, and on
 * pathological inputs (one 400 KB acceptance item of a single repeated word, unmatched
 * delimiters, a very long line). Targets: 1 MB in under 200 ms, 20 MB in under 2 s.
 *
 * Each figure is reported next to a baseline measured in the same run on the same text — a plain
 * split into lines plus one pass over every character (the least any Markdown reader must do) —
 * so a loaded machine moves both numbers together and the ratio shows whether the model stays
 * linear. Both wall-clock and CPU time (process.cpuUsage, all threads, so GC counts) are shown:
 * on a shared machine the CPU time is the fairer figure. Prints a table, then one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreSpec } from '../server/specs/score';

const FIXTURES = join(import.meta.dirname, '../test/fixtures/specs');
const SIZES = [
  { name: '100 KB', bytes: 100 * 1024 },
  { name: '1 MB', bytes: 1024 * 1024, targetMs: 200 },
  { name: '20 MB', bytes: 20 * 1024 * 1024, targetMs: 2000 },
];
const RUNS = Number(process.env.BENCH_SPEC_RUNS ?? 3);

/** Every fixture of the calibration set, concatenated until the size is reached (headings renumbered so sections repeat as a long spec would). */
function corpus(bytes: number): string {
  const docs: string[] = [];
  for (const dir of ['complete', 'vague', 'template', 'gaming']) {
    for (const f of readdirSync(join(FIXTURES, dir)).filter((x) => x.endsWith('.md')).sort()) docs.push(readFileSync(join(FIXTURES, dir, f), 'utf8'));
  }
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const doc = docs[i % docs.length].replace(/^# /m, `## Part ${i + 1}: `);
    parts.push(doc);
    size += Buffer.byteLength(doc) + 1;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes).toString('utf8');
}

/** Inputs that break naive parsers: the issue's 400 KB single item, unmatched openers, one huge line. */
function pathological(): Array<{ name: string; text: string }> {
  const word = 'when '.repeat(80_000);
  return [
    { name: '400 KB acceptance item, one repeated word', text: `# Spec\n\n## Acceptance criteria\n\n- Given ${word}then\n` },
    { name: '1 MB of unmatched backticks and brackets', text: `# Spec\n\n## What to build\n\n${'`[<{"'.repeat(200_000)}\n` },
    { name: '1 MB single line of spaces and hashes', text: `## ${' #'.repeat(500_000)}x\n` },
    { name: '1 MB of list markers', text: `# Spec\n\n${'- [ ] **T001** [P] \n'.repeat(50_000)}` },
  ];
}

function baseline(text: string): number {
  // A plain line split plus one pass over the characters: the floor for any Markdown reader.
  const lines = text.split('\n');
  let h = 0;
  for (const line of lines) for (let i = 0; i < line.length; i++) h = (h + line.charCodeAt(i)) | 0;
  return h;
}

/** Best of `runs`: wall-clock ms and CPU ms of that run. */
function best(fn: () => unknown, runs: number): { wall: number; cpu: number } {
  let out = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    if (wall < out.wall) out = { wall, cpu };
  }
  return out;
}

type Row = { input: string; mb: number; scoreMs: number; scoreCpuMs: number; baselineMs: number; ratio: number; mbPerS: number; targetMs?: number; met?: boolean; metCpu?: boolean; score: number };
const rows: Row[] = [];

function measure(name: string, text: string, targetMs?: number) {
  const mb = Buffer.byteLength(text) / (1024 * 1024);
  scoreSpec(text); // warm up the JIT on this shape
  const runs = mb > 5 ? Math.max(1, Math.min(RUNS, 2)) : RUNS;
  const s = best(() => scoreSpec(text), runs);
  const b = best(() => baseline(text), runs);
  const score = scoreSpec(text).score;
  rows.push({
    input: name,
    mb: round(mb, 2),
    scoreMs: round(s.wall, 1),
    scoreCpuMs: round(s.cpu, 1),
    baselineMs: round(b.wall, 1),
    ratio: round(s.wall / Math.max(0.05, b.wall), 1),
    mbPerS: round(mb / (s.wall / 1000), 1),
    ...(targetMs ? { targetMs, met: s.wall < targetMs, metCpu: s.cpu < targetMs } : {}),
    score,
  });
}

function round(n: number, d: number): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}

for (const s of SIZES) measure(s.name, corpus(s.bytes), s.targetMs);
for (const p of pathological()) measure(p.name, p.text);

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad('input', 44)} ${pad('MB', 6)} ${pad('wall ms', 9)} ${pad('cpu ms', 8)} ${pad('baseline ms', 12)} ${pad('× baseline', 11)} ${pad('MB/s', 7)} target`);
for (const r of rows) {
  const target = r.targetMs ? `< ${r.targetMs} ms: wall ${r.met ? 'met' : 'missed'}, cpu ${r.metCpu ? 'met' : 'missed'}` : '';
  console.log(`${pad(r.input, 44)} ${pad(String(r.mb), 6)} ${pad(String(r.scoreMs), 9)} ${pad(String(r.scoreCpuMs), 8)} ${pad(String(r.baselineMs), 12)} ${pad(String(r.ratio), 11)} ${pad(String(r.mbPerS), 7)} ${target}`);
}
const perMb = rows.filter((r) => r.input.endsWith('KB') || r.input.endsWith('MB')).map((r) => r.scoreMs / r.mb);
console.log(`ms per MB across sizes: ${perMb.map((x) => x.toFixed(0)).join(' / ')} (flat = linear)`);
const load = (await import('node:os')).loadavg()[0];
console.log(`load average while measuring: ${load.toFixed(1)} (2 cores)`);
console.log(JSON.stringify({ bench: 'spec', runs: RUNS, load, rows }));
