/**
 * Edit-engine benchmark: every case of the shared corpus through the engine in-process, beside an
 * exact-match `String.replace` baseline computed in the same run. Prints correct / wrong / refused
 * per perturbation kind, the same over the cases that determine their answer (all but the `*-lossy`
 * kinds of a generated corpus), cases per second, and one JSON summary line last.
 *
 *   npm run bench:edit [-- --corpus PATH] [-- --show-failures]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { answer } from '../server/cli/commands/edit-apply';

const DEFAULT_CORPUS = '/work/shared/bench/edit-cases.jsonl.gz';

type Change = { mode: 'create'; content: string } | { mode: 'replace'; search: string; replace: string };
type Case = {
  id: string;
  kind: string;
  path: string;
  content: string | null;
  changes: Change[];
  expect: { ok: true; content: string } | { ok: false };
};
type Outcome = { ok: true; content: string } | { ok: false; error?: string };
type Verdict = 'correct' | 'wrong' | 'refused';
type Tally = Record<Verdict, number>;

/** The scorer's baseline: plain substring replace, exactly one occurrence required. */
function exactEngine(c: Case): Outcome {
  let content = c.content;
  for (const ch of c.changes) {
    if (ch.mode === 'create') {
      if (content !== null && content !== '') return { ok: false };
      content = ch.content;
      continue;
    }
    const n = content === null ? 0 : content.split(ch.search).length - 1;
    if (n !== 1 || content === null) return { ok: false };
    content = content.replace(ch.search, () => ch.replace);
  }
  return { ok: true, content: content ?? '' };
}

function verdict(c: Case, o: Outcome): Verdict {
  if (!c.expect.ok) return o.ok ? 'wrong' : 'correct';
  if (!o.ok) return 'refused';
  return o.content === c.expect.content ? 'correct' : 'wrong';
}

const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`.padStart(6);

function main(): number {
  const { values } = parseArgs({
    options: { corpus: { type: 'string' }, 'show-failures': { type: 'boolean' } },
    allowPositionals: true,
  });
  const corpus = values.corpus ?? DEFAULT_CORPUS;
  const cases: Case[] = gunzipSync(readFileSync(corpus))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

  const engine = new Map<string, Tally>();
  const baseline = new Map<string, Tally>();
  const bump = (m: Map<string, Tally>, kind: string, v: Verdict) => {
    const t = m.get(kind) ?? { correct: 0, wrong: 0, refused: 0 };
    t[v]++;
    m.set(kind, t);
  };
  const failures: string[] = [];
  const started = performance.now();
  for (const c of cases) {
    const o = answer(JSON.stringify({ path: c.path, content: c.content, changes: c.changes }));
    const v = verdict(c, o);
    bump(engine, c.kind, v);
    if (v !== 'correct') failures.push(`${v.padEnd(7)} ${c.kind.padEnd(16)} ${c.id}${o.ok ? '' : `: ${o.error?.split('\n')[0]}`}`);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const c of cases) bump(baseline, c.kind, verdict(c, exactEngine(c)));

  const width = Math.max(17, ...[...engine.keys()].map((k) => k.length + 1));
  const header = `${'kind'.padEnd(width)} ${'n'.padStart(5)}  | engine: correct  wrong refused | exact baseline: correct  wrong refused`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const total: Tally = { correct: 0, wrong: 0, refused: 0 };
  const baseTotal: Tally = { correct: 0, wrong: 0, refused: 0 };
  for (const kind of [...engine.keys()].sort()) {
    const e = engine.get(kind)!;
    const b = baseline.get(kind)!;
    const n = e.correct + e.wrong + e.refused;
    console.log(
      `${kind.padEnd(width)} ${String(n).padStart(5)}  |         ${pct(e.correct, n)} ${pct(e.wrong, n)}  ${pct(e.refused, n)} |                 ${pct(b.correct, n)} ${pct(b.wrong, n)}  ${pct(b.refused, n)}`,
    );
    for (const v of ['correct', 'wrong', 'refused'] as const) {
      total[v] += e[v];
      baseTotal[v] += b[v];
    }
  }
  const n = cases.length;
  console.log('-'.repeat(header.length));
  console.log(
    `${'all'.padEnd(width)} ${String(n).padStart(5)}  |         ${pct(total.correct, n)} ${pct(total.wrong, n)}  ${pct(total.refused, n)} |                 ${pct(baseTotal.correct, n)} ${pct(baseTotal.wrong, n)}  ${pct(baseTotal.refused, n)}`,
  );
  // Kinds named *-lossy are cases whose request does not determine the expected file.
  const determined: Tally = { correct: 0, wrong: 0, refused: 0 };
  for (const [kind, t] of engine) if (!kind.endsWith('-lossy')) for (const v of ['correct', 'wrong', 'refused'] as const) determined[v] += t[v];
  const nd = determined.correct + determined.wrong + determined.refused;
  if (nd !== n) console.log(`${'determined'.padEnd(width)} ${String(nd).padStart(5)}  |         ${pct(determined.correct, nd)} ${pct(determined.wrong, nd)}  ${pct(determined.refused, nd)} |  (all but the *-lossy kinds)`);
  console.log(`${n} cases in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} cases/s`);
  if (values['show-failures'] && failures.length) console.log(`\nnot correct:\n${failures.join('\n')}`);
  const perKind = Object.fromEntries([...engine.entries()].sort().map(([k, t]) => [k, t]));
  console.log(
    JSON.stringify({
      bench: 'edit',
      corpus,
      cases: n,
      correct: total.correct,
      wrong: total.wrong,
      refused: total.refused,
      correctRate: +(total.correct / n).toFixed(4),
      wrongRate: +(total.wrong / n).toFixed(4),
      baseline: { correct: baseTotal.correct, wrong: baseTotal.wrong, refused: baseTotal.refused },
      determined: { cases: nd, ...determined },
      casesPerSecond: Math.round(n / seconds),
      perKind,
    }),
  );
  return 0;
}

process.exitCode = main();
