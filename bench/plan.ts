/**
 * `npm run bench:plan` — plans synthetic task sets with the real planner: import analysis of
 * TypeScript sources (through `ts.preProcessFile`, from an in-memory checkout so disk speed does
 * not blur the figure) plus wave placement. The target is 1,000 tasks in under 1 s. A naive wave
 * builder (rescan every unplaced task per wave) runs on the same input as a baseline.
 * Prints a table, then one JSON line with the figures.
 */
import { analyzeDependencies } from '../server/planner/analyze';
import { planWaves } from '../server/planner/waves';
import type { PlanEdge, PlanTask } from '../server/planner/types';

const TARGET_TASKS = 1_000;
const TARGET_MS = 1_000;
/** "wide": random dependencies anywhere (few waves); "deep": most tasks wait for a recent one (long chains). */
const SCENARIOS = [
  { name: 'wide', tasks: 250, deep: false },
  { name: 'wide', tasks: TARGET_TASKS, deep: false },
  { name: 'deep', tasks: TARGET_TASKS, deep: true },
  { name: 'wide', tasks: 5_000, deep: false },
];
const FILES_PER_TASK_MAX = 4;
const IMPORTS_PER_FILE = 4;
const DEP_PROBABILITY = 0.3;
const DEEP_DEP_PROBABILITY = 0.9;
const DEEP_WINDOW = 3;
const RUNS = 3;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** n tasks over a pool of files; each file imports a few others so the code graph adds edges. */
function synthesize(n: number, deep: boolean, seed = 42) {
  const rand = rng(seed);
  const fileCount = Math.max(50, Math.round(n * 0.8));
  const files = Array.from({ length: fileCount }, (_, i) => `src/m${Math.floor(i / 20)}/f${i}.ts`);
  const sources = new Map<string, string>();
  for (let i = 0; i < fileCount; i++) {
    const lines: string[] = [];
    for (let k = 0; k < IMPORTS_PER_FILE; k++) {
      const j = Math.floor(rand() * fileCount);
      if (j !== i) lines.push(`import { x${k} } from '../m${Math.floor(j / 20)}/f${j}';`);
    }
    lines.push("import { z } from 'zod';", `export const v${i} = ${i};`, '// body '.repeat(40));
    sources.set(files[i], lines.join('\n'));
  }
  const tasks: PlanTask[] = [];
  for (let i = 0; i < n; i++) {
    const own = new Set<string>();
    const count = 1 + Math.floor(rand() * FILES_PER_TASK_MAX);
    for (let k = 0; k < count; k++) own.add(files[Math.floor(rand() * fileCount)]);
    const dependsOn = deep
      ? i > 0 && rand() < DEEP_DEP_PROBABILITY ? [`t${Math.max(0, i - 1 - Math.floor(rand() * DEEP_WINDOW))}`] : []
      : i > 0 && rand() < DEP_PROBABILITY ? [`t${Math.floor(rand() * i)}`] : [];
    tasks.push({ id: `t${i}`, files: [...own], dependsOn });
  }
  return { tasks, readFile: (p: string) => sources.get(p) };
}

/** Baseline: per wave, rescan all unplaced tasks for ready ones whose files are still free. */
function naiveWaves(tasks: PlanTask[], edges: PlanEdge[]): string[][] {
  const deps = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const e of edges) deps.get(e.task)!.push(e.dependsOn);
  const done = new Set<string>();
  const waves: string[][] = [];
  let left = [...tasks];
  while (left.length) {
    const used = new Set<string>();
    const wave: PlanTask[] = [];
    for (const t of left) {
      if (!deps.get(t.id)!.every((d) => done.has(d))) continue;
      if (t.files.some((f) => used.has(f))) continue;
      t.files.forEach((f) => used.add(f));
      wave.push(t);
    }
    if (wave.length === 0) throw new Error('naive baseline found a cycle');
    wave.forEach((t) => done.add(t.id));
    const placed = new Set(wave.map((t) => t.id));
    left = left.filter((t) => !placed.has(t.id));
    waves.push(wave.map((t) => t.id));
  }
  return waves;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => Math.round(x * 10) / 10;

async function main() {
  const rows: Record<string, number | string>[] = [];
  for (const { name, tasks: n, deep } of SCENARIOS) {
    const { tasks, readFile } = synthesize(n, deep);
    const analyzeTimes: number[] = [];
    const waveTimes: number[] = [];
    const naiveTimes: number[] = [];
    let edges = 0;
    let waves = 0;
    let naiveWaveCount = 0;
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const analysis = await analyzeDependencies(tasks, { readFile });
      const t1 = performance.now();
      const plan = planWaves(tasks, analysis.edges);
      const t2 = performance.now();
      if (!plan.ok) throw new Error(plan.error.message);
      const naive = naiveWaves(tasks, analysis.edges);
      const t3 = performance.now();
      analyzeTimes.push(t1 - t0);
      waveTimes.push(t2 - t1);
      naiveTimes.push(t3 - t2);
      edges = plan.edges.length;
      waves = plan.waves.length;
      naiveWaveCount = naive.length;
    }
    const total = median(analyzeTimes.map((a, i) => a + waveTimes[i]));
    rows.push({ scenario: name, tasks: n, edges, waves, analyzeMs: ms(median(analyzeTimes)), wavesMs: ms(median(waveTimes)), totalMs: ms(total), naiveWavesMs: ms(median(naiveTimes)), naiveWaves: naiveWaveCount });
  }
  console.log('scenario  tasks  edges  waves  analyze ms  waves ms  total ms  naive waves ms (waves)');
  for (const r of rows) {
    console.log(
      `${String(r.scenario).padEnd(8)}  ${String(r.tasks).padStart(5)}  ${String(r.edges).padStart(5)}  ${String(r.waves).padStart(5)}  ${String(r.analyzeMs).padStart(10)}  ${String(r.wavesMs).padStart(8)}  ${String(r.totalMs).padStart(8)}  ${String(r.naiveWavesMs).padStart(14)} (${r.naiveWaves})`,
    );
  }
  const target = rows.find((r) => r.tasks === TARGET_TASKS && r.scenario === 'wide')!;
  const deepRow = rows.find((r) => r.scenario === 'deep')!;
  const pass = (target.totalMs as number) < TARGET_MS && (deepRow.totalMs as number) < TARGET_MS;
  console.log(`\n${TARGET_TASKS} tasks planned in ${target.totalMs} ms wide, ${deepRow.totalMs} ms deep (median of ${RUNS} runs): ${pass ? 'PASS' : 'FAIL'} (target < ${TARGET_MS} ms)`);
  console.log(JSON.stringify({ bench: 'plan', tasks: TARGET_TASKS, planMs: target.totalMs, deepPlanMs: deepRow.totalMs, targetMs: TARGET_MS, pass, rows }));
  if (!pass) process.exitCode = 1;
}

await main();
