import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { analyzeDependencies, type AnalyzeOptions } from './analyze';
import { planWaves } from './waves';
import { EDGE_KINDS, type PlanEdge, type PlanError, type PlanTask } from './types';

/**
 * Plan preview before any tokens are spent: the waves, the file conflicts the planner predicted
 * and how it separated them, and an estimate of tokens and cost per task.
 */

/** A finished task from history: how many files it touched and what it consumed. */
export type TaskHistory = { files: number; inputTokens: number; outputTokens: number };
/** US dollars per million tokens, per `provider:model`. */
export type PriceMap = Record<string, { input: number; output: number }>;

/**
 * Without history, a task's tokens are its model requests plus the files it reads. A request
 * carries the role's instructions, the tool schemas and the conversation so far: ~5k tokens each
 * on average, measured on the pipeline (the e2e run of a one-file change: 60.6k input tokens over
 * 12 requests across the four roles and two QA cycles). One cycle takes ~11 requests (architect 2,
 * developer 4, QA 3, reviewer 2). Each role reads each file of the task and keeps it in its context
 * for its later turns (~8 readings per file); a file's tokens are its size on disk / 4 when the
 * repository is at hand, else a typical small file's.
 */
export const DEFAULT_ESTIMATE = {
  inputPerRequest: 5_000,
  requestsPerTask: 11,
  fileReadsPerTask: 8,
  bytesPerToken: 4,
  /** A file the plan names that does not exist yet (or cannot be read): ~60 lines. */
  unknownFileTokens: 600,
  /** Reading more than this of a file is rare (agents read pages of a large file). */
  maxFileTokens: 12_000,
  outputBase: 3_000,
  outputPerFile: 1_000,
} as const;
/** Fewer past tasks than this and a fitted line is noise; fall back to the defaults. */
export const MIN_HISTORY = 3;

export type ForecastOptions = AnalyzeOptions & { model: string; prices: PriceMap; history?: readonly TaskHistory[] };

export type TaskForecast = {
  id: string;
  wave: number;
  files: number;
  inputTokens: number;
  outputTokens: number;
  /** Null when the model has no price in the map. */
  costUsd: number | null;
  basis: 'history' | 'default';
  /** Default basis: the tokens of the task's files as read from the repository (unknown files counted as small). */
  fileTokens?: number;
};
export type PredictedConflict = { tasks: [string, string]; files: string[]; separatedBy: string };
export type PlanForecast =
  | {
      ok: true;
      waves: string[][];
      edges: PlanEdge[];
      conflicts: PredictedConflict[];
      tasks: TaskForecast[];
      totals: { inputTokens: number; outputTokens: number; costUsd: number | null };
      warnings: string[];
    }
  | { ok: false; error: PlanError };

export async function forecastPlan(tasks: readonly PlanTask[], options: ForecastOptions): Promise<PlanForecast> {
  const analysis = await analyzeDependencies(tasks, options);
  const plan = planWaves(tasks, analysis.edges);
  if (!plan.ok) return plan;

  const warnings = [...analysis.warnings];
  const price = options.prices[options.model];
  if (!price) warnings.push(`Cost not estimated: no price is known for ${options.model}.`);
  const model = fitEstimator(options.history ?? []);
  const perTask: TaskForecast[] = await Promise.all(
    tasks.map(async (t) => {
      const files = new Set(t.files).size;
      const cost = (i: number, o: number) => (price ? costOf(i, o, price) : null);
      if (model.basis === 'history') {
        const inputTokens = Math.round(model.inputBase + model.inputPerFile * files);
        const outputTokens = Math.round(model.outputBase + model.outputPerFile * files);
        return { id: t.id, wave: plan.waveOf[t.id], files, inputTokens, outputTokens, costUsd: cost(inputTokens, outputTokens), basis: model.basis };
      }
      const fileTokens = await tokensOfFiles([...new Set(t.files)], rootFor(options.repoDir, t.repo));
      const inputTokens = DEFAULT_ESTIMATE.requestsPerTask * DEFAULT_ESTIMATE.inputPerRequest + DEFAULT_ESTIMATE.fileReadsPerTask * fileTokens;
      const outputTokens = DEFAULT_ESTIMATE.outputBase + DEFAULT_ESTIMATE.outputPerFile * files;
      return { id: t.id, wave: plan.waveOf[t.id], files, inputTokens, outputTokens, costUsd: cost(inputTokens, outputTokens), basis: model.basis, fileTokens };
    }),
  );
  const totals = perTask.reduce((acc, t) => ({ inputTokens: acc.inputTokens + t.inputTokens, outputTokens: acc.outputTokens + t.outputTokens }), { inputTokens: 0, outputTokens: 0 });

  return {
    ok: true,
    waves: plan.waves,
    edges: plan.edges,
    conflicts: predictedConflicts(tasks, plan.edges, plan.waveOf),
    tasks: perTask,
    totals: { ...totals, costUsd: price ? costOf(totals.inputTokens, totals.outputTokens, price) : null },
    warnings,
  };
}

function costOf(input: number, output: number, price: { input: number; output: number }): number {
  // Round to a hundredth of a cent: a preview, not an invoice.
  return Math.round(((input * price.input + output * price.output) / 1_000_000) * 10_000) / 10_000;
}

type Estimator = { inputBase: number; inputPerFile: number; outputBase: number; outputPerFile: number; basis: 'history' } | { basis: 'default' };

function rootFor(repoDir: ForecastOptions['repoDir'], repo: string | undefined): string | undefined {
  if (typeof repoDir === 'string') return repoDir;
  return repoDir && repo !== undefined ? repoDir[repo] : undefined;
}

/** The tokens of a task's files as they are on disk (size / 4, capped), a small file's for those that are not there (yet). */
async function tokensOfFiles(files: string[], root: string | undefined): Promise<number> {
  let total = 0;
  for (const f of files) {
    let tokens: number = DEFAULT_ESTIMATE.unknownFileTokens;
    if (root !== undefined) {
      const full = resolve(root, f);
      const rel = relative(resolve(root), full);
      if (rel && !rel.startsWith('..') && !isAbsolute(rel)) {
        const st = await lstat(join(root, rel)).catch(() => null);
        if (st?.isFile()) tokens = Math.min(DEFAULT_ESTIMATE.maxFileTokens, Math.ceil(st.size / DEFAULT_ESTIMATE.bytesPerToken));
      }
    }
    total += tokens;
  }
  return total;
}

/** Least-squares line tokens = base + perFile · files over past tasks; the default estimate when the data cannot support a line. */
export function fitEstimator(history: readonly TaskHistory[]): Estimator {
  const usable = history.filter((h) => h.files >= 0 && h.inputTokens >= 0 && h.outputTokens >= 0);
  if (usable.length < MIN_HISTORY) return { basis: 'default' };
  const input = fitLine(usable.map((h) => [h.files, h.inputTokens]));
  const output = fitLine(usable.map((h) => [h.files, h.outputTokens]));
  return { inputBase: input.base, inputPerFile: input.slope, outputBase: output.base, outputPerFile: output.slope, basis: 'history' };
}

function fitLine(points: [number, number][]): { base: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  // All past tasks touched the same number of files: scale the mean per file instead.
  if (sxx === 0) return { base: 0, slope: mx > 0 ? my / mx : 0 };
  const slope = Math.max(0, sxy / sxx);
  return { base: Math.max(0, my - slope * mx), slope };
}

function predictedConflicts(tasks: readonly PlanTask[], edges: readonly PlanEdge[], waveOf: Record<string, number>): PredictedConflict[] {
  const filesOf = new Map(tasks.map((t) => [t.id, new Set(t.files)]));
  const byPair = new Map<string, PredictedConflict>();
  for (const e of edges) {
    if (e.kind !== EDGE_KINDS.sameFile) continue;
    const key = `${e.dependsOn}\u0000${e.task}`;
    if (byPair.has(key)) continue;
    const a = filesOf.get(e.dependsOn)!;
    const shared = [...(filesOf.get(e.task) ?? [])].filter((f) => a.has(f));
    byPair.set(key, {
      tasks: [e.dependsOn, e.task],
      files: shared,
      separatedBy: `"${e.dependsOn}" in wave ${waveOf[e.dependsOn] + 1}, "${e.task}" in wave ${waveOf[e.task] + 1}`,
    });
  }
  return [...byPair.values()];
}
