/**
 * Shared shapes of the planner. Pure data: the planner never touches a database or a socket.
 */

/** A unit of work as the planner sees it. `files` are repo-relative paths the task creates or changes. */
export type PlanTask = {
  id: string;
  title?: string;
  description?: string;
  files: string[];
  dependsOn?: string[];
  /** Repository the task changes (multi-repo projects). Paths only collide within one repo. */
  repo?: string;
  /** Hint from Spec Kit `[P]`: the author says this task is safe to run beside its phase mates. */
  parallelSafe?: boolean;
};

export const EDGE_KINDS = { explicit: 'explicit', import: 'import', contract: 'contract', sameFile: 'same-file' } as const;
export type EdgeKind = (typeof EDGE_KINDS)[keyof typeof EDGE_KINDS];

/** `task` must wait for `dependsOn`. Every edge carries a human-readable reason. */
export type PlanEdge = {
  task: string;
  dependsOn: string;
  kind: EdgeKind;
  reason: string;
  /** Contract edges: the consumer waits until the producer's branch is merged, not just finished. */
  blockedUntilMerged?: boolean;
};

export type CycleError = { kind: 'cycle'; cycle: string[]; message: string };
export type UnknownDependencyError = { kind: 'unknown-dependency'; task: string; dependsOn: string; message: string };
export type DuplicateIdError = { kind: 'duplicate-id'; task: string; message: string };
export type PlanError = CycleError | UnknownDependencyError | DuplicateIdError;

export type WavePlan = {
  ok: true;
  /** Waves in order; tasks of a wave run in parallel, a wave starts when the previous one is done. */
  waves: string[][];
  /** Every ordering constraint, including the same-file separations the planner added. */
  edges: PlanEdge[];
  /** Wave index (0-based) of each task. */
  waveOf: Record<string, number>;
};
export type WavePlanResult = WavePlan | { ok: false; error: PlanError };

/** Key under which two paths collide: the same path in the same repository. */
export function fileKey(repo: string | undefined, path: string): string {
  return `${repo ?? ''}\u0000${normalizePath(path)}`;
}

const NEEDS_NORMALIZING_RE = /\\|\/\/|^\/|\/$|(?:^|\/)\.\.?(?:\/|$)/;

/** Repo-relative POSIX path without `./`, duplicate or trailing slashes. */
export function normalizePath(path: string): string {
  // Most paths are already clean; skip the split/join for them (the planner calls this per file).
  if (!NEEDS_NORMALIZING_RE.test(path)) return path;
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
