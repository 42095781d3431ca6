/**
 * Workspace benchmark: on a generated 5,000-file repository, the time until a task's worktree
 * is ready (sparse and full) beside `git clone --local` in the same run, and sandbox
 * start-to-first-byte per available driver. Prints a table, then one JSON summary line last.
 *
 *   npm run bench:workspace [-- --files 5000] [-- --runs 20] [-- --sandbox-runs 20]
 *
 * Goals: sparse p95 < 150 ms and ≥ 3× faster than a local clone; bubblewrap start p50 < 30 ms.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { findEngine } from '../sandbox/detect';
import { createSandbox, type SandboxDriverName } from '../sandbox/index';
import { generateRepo, generatedFilePath } from '../server/repos/generate-repo';
import { registerRepository } from '../server/repos/mirror';
import { createWorktree, removeWorktree } from '../server/repos/worktree';

const run = promisify(execFile);
const GOAL_SPARSE_P95_MS = 150;
const GOAL_SPEEDUP_VS_CLONE = 3;
const GOAL_BWRAP_P50_MS = 30;
/** Files a benchmark task declares (in different directories, as a real task touching a feature). */
const TASK_FILES = 3;
/** Container execs are slow and their timing stable: fewer runs are enough. */
const DOCKER_RUNS = 10;

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

async function firstByte(driver: SandboxDriverName, workspaceDir: string, runs: number) {
  const sb = await createSandbox({ driver, workspaceDir });
  const coldStart = performance.now();
  await sb.start();
  const warm: number[] = [];
  let cold = NaN;
  try {
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      let first = NaN;
      await sb.exec(['echo', 'ready'], { onStdout: () => { if (Number.isNaN(first)) first = performance.now() - t; } });
      if (i === 0) cold = performance.now() - coldStart;
      warm.push(first);
    }
  } finally {
    await sb.stop();
  }
  return { cold, warm };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '5000' },
      runs: { type: 'string', default: '20' },
      'sandbox-runs': { type: 'string', default: '20' },
    },
  });
  const fileCount = Number(values.files);
  const runs = Number(values.runs);
  const sandboxRuns = Number(values['sandbox-runs']);
  const root = mkdtempSync(join(tmpdir(), 'ns-bench-workspace-'));
  try {
    process.stderr.write(`generating a ${fileCount}-file repository…\n`);
    const repo = await generateRepo(join(root, 'repo'), fileCount);
    const mirror = await registerRepository({ dataDir: join(root, 'data'), repoId: 'bench', source: repo.path });
    mkdirSync(join(root, 'clones'));

    // Phases rather than interleaving: a full checkout or clone leaves thousands of dirty pages
    // being written back, which would tax whatever is measured right after it.
    const sparse: number[] = [];
    const full: number[] = [];
    const clone: number[] = [];
    process.stderr.write(`timing ${runs} sparse worktrees…\n`);
    for (let i = 0; i < runs; i++) {
      const files = Array.from({ length: TASK_FILES }, (_, k) => generatedFilePath((i * 97 + k * 1013) % fileCount));
      const [t, wt] = await timed(() => createWorktree(mirror, { taskId: `s${i}bench`, taskSlug: 'bench sparse', files }));
      sparse.push(t);
      await removeWorktree(mirror, wt);
    }

    const sandboxes: Record<string, { cold: number; p50: number; p95: number } | { skipped: string }> = {};
    const ws = join(root, 'sandbox-ws');
    mkdirSync(ws);
    process.stderr.write('timing sandbox start-to-first-byte per driver…\n');
    for (const driver of ['bwrap', 'docker', 'none'] as const) {
      try {
        if (driver === 'docker' && !(await findEngine())) {
          sandboxes[driver] = { skipped: 'no Docker/Podman socket answers' };
          continue;
        }
        const n = driver === 'docker' ? Math.min(sandboxRuns, DOCKER_RUNS) : sandboxRuns;
        const { cold, warm } = await firstByte(driver, ws, n);
        sandboxes[driver] = { cold, p50: quantile(warm, 0.5), p95: quantile(warm, 0.95) };
      } catch (err) {
        sandboxes[driver] = { skipped: (err as Error).message };
      }
    }

    process.stderr.write(`timing ${runs} full worktrees…\n`);
    for (let i = 0; i < runs; i++) {
      const [t, wt] = await timed(() => createWorktree(mirror, { taskId: `f${i}bench`, taskSlug: 'bench full' }));
      full.push(t);
      await removeWorktree(mirror, wt);
    }
    process.stderr.write(`timing ${runs} git clone --local…\n`);
    for (let i = 0; i < runs; i++) {
      const dest = join(root, 'clones', `c${i}`);
      const [t] = await timed(() => run('git', ['clone', '--quiet', '--local', repo.path, dest]));
      clone.push(t);
      rmSync(dest, { recursive: true, force: true });
    }

    const sp50 = quantile(sparse, 0.5);
    const sp95 = quantile(sparse, 0.95);
    const fp50 = quantile(full, 0.5);
    const fp95 = quantile(full, 0.95);
    const cp50 = quantile(clone, 0.5);
    const cp95 = quantile(clone, 0.95);
    const speedup = cp50 / sp50;

    const rows: string[][] = [
      ['measure', 'p50 ms', 'p95 ms', 'runs'],
      ['worktree ready (sparse)', fmt(sp50), fmt(sp95), String(sparse.length)],
      ['worktree ready (full)', fmt(fp50), fmt(fp95), String(full.length)],
      ['git clone --local', fmt(cp50), fmt(cp95), String(clone.length)],
    ];
    for (const [driver, r] of Object.entries(sandboxes)) {
      if ('skipped' in r) rows.push([`sandbox ${driver} first byte`, 'skipped', r.skipped, '0']);
      else rows.push([`sandbox ${driver} first byte (cold ${fmt(r.cold)})`, fmt(r.p50), fmt(r.p95), '']);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));

    const bw = sandboxes.bwrap;
    const bwrapP50 = bw && 'p50' in bw ? bw.p50 : NaN;
    const goals = {
      sparseP95Under150: sp95 < GOAL_SPARSE_P95_MS,
      sparse3xFasterThanClone: speedup >= GOAL_SPEEDUP_VS_CLONE,
      bwrapStartP50Under30: bwrapP50 < GOAL_BWRAP_P50_MS,
    };
    console.log(`sparse vs clone: ${speedup.toFixed(1)}× faster; goals: ${JSON.stringify(goals)}`);
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(
      JSON.stringify({
        bench: 'workspace',
        files: fileCount,
        runs,
        sparse: { p50: round(sp50), p95: round(sp95) },
        full: { p50: round(fp50), p95: round(fp95) },
        cloneLocal: { p50: round(cp50), p95: round(cp95) },
        sparseSpeedupVsClone: round(speedup),
        sandboxFirstByte: Object.fromEntries(
          Object.entries(sandboxes).map(([d, r]) => [d, 'skipped' in r ? r : { cold: round(r.cold), p50: round(r.p50), p95: round(r.p95) }]),
        ),
        goals,
      }),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
