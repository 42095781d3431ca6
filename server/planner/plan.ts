import { analyzeDependencies, type AnalyzeOptions, type DroppedEdge } from './analyze';
import { planWaves } from './waves';
import type { PlanError, PlanTask, WavePlan } from './types';

export type PlanResult = (WavePlan & { dropped: DroppedEdge[]; warnings: string[]; planMs: number }) | { ok: false; error: PlanError; planMs: number };

/** Analyse dependencies, then place tasks into waves: the whole planner in one call. */
export async function planTasks(tasks: readonly PlanTask[], options: AnalyzeOptions = {}): Promise<PlanResult> {
  const started = performance.now();
  const analysis = await analyzeDependencies(tasks, options);
  const plan = planWaves(tasks, analysis.edges);
  const planMs = Math.round((performance.now() - started) * 100) / 100;
  if (!plan.ok) return { ...plan, planMs };
  return { ...plan, dropped: analysis.dropped, warnings: analysis.warnings, planMs };
}
