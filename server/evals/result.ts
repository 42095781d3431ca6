import { z } from 'zod';

/**
 * The result of an eval run: the last line `nightshift eval run` prints, the file `--out` writes,
 * what `eval compare` reads and what the Evals page shows. One schema for all of them.
 */
export const EVAL_MODES = ['agent', 'pipeline'] as const;
export type EvalMode = (typeof EVAL_MODES)[number];

export const EVAL_TASK_STATUSES = ['passed', 'failed', 'error'] as const;
export type EvalTaskStatus = (typeof EVAL_TASK_STATUSES)[number];

export const ZEvalTaskResult = z.object({
  id: z.string(),
  /** 1-based repetition (`--repeat N`). */
  attempt: z.number().int().positive(),
  /** passed: verify exited 0; failed: it did not (or timed out); error: the harness could not judge. */
  status: z.enum(EVAL_TASK_STATUSES),
  /** null when verify did not run (status error). 124 after a timeout. */
  verifyExitCode: z.number().int().nullable(),
  turns: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** The run this attempt was (a run like any other: events, checkpoints, in the web app). */
  runId: z.string().nullable(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  durationMs: z.number().int().nonnegative().optional(),
  /** The branch holding the agent's result in the task's eval repository. */
  branch: z.string().optional(),
  /** Why it failed or errored (verify's last lines, the harness error). */
  reason: z.string().optional(),
});
export type EvalTaskResult = z.infer<typeof ZEvalTaskResult>;

export const ZEvalResult = z.object({
  suite: z.string(),
  model: z.string(),
  mode: z.enum(EVAL_MODES),
  /** passed / runs, 0 when nothing ran. */
  passRate: z.number().min(0).max(1),
  passed: z.number().int().nonnegative(),
  runs: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  tasks: z.array(ZEvalTaskResult),
  /** The stored eval run (the Evals page). */
  evalRunId: z.string().optional(),
  /** Prompt id → version the roles ran with (compare prompt versions side by side). */
  promptVersions: z.record(z.string()).optional(),
});
export type EvalResult = z.infer<typeof ZEvalResult>;

/** Rounds money to a millionth of a dollar so sums print cleanly. */
export function roundUsd(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The summary of a set of attempts; task order as given. */
export function summarize(input: { suite: string; model: string; mode: EvalMode; durationMs: number; tasks: EvalTaskResult[]; promptVersions?: Record<string, string>; evalRunId?: string }): EvalResult {
  const passed = input.tasks.filter((t) => t.status === 'passed').length;
  const runs = input.tasks.length;
  return {
    suite: input.suite,
    model: input.model,
    mode: input.mode,
    passRate: runs ? passed / runs : 0,
    passed,
    runs,
    costUsd: roundUsd(input.tasks.reduce((a, t) => a + t.costUsd, 0)),
    inputTokens: input.tasks.reduce((a, t) => a + (t.inputTokens ?? 0), 0),
    outputTokens: input.tasks.reduce((a, t) => a + (t.outputTokens ?? 0), 0),
    durationMs: Math.round(input.durationMs),
    tasks: input.tasks,
    ...(input.evalRunId ? { evalRunId: input.evalRunId } : {}),
    ...(input.promptVersions && Object.keys(input.promptVersions).length ? { promptVersions: input.promptVersions } : {}),
  };
}
