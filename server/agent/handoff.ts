import type { ContextCache } from './context-cache';
import type { WorkingState } from './working-state';

/**
 * A handoff between roles carries references, not content: the finishing role's working state
 * and summary are filed in the cache, and the next role receives their refs (plus the refs of
 * the files it had active) to `recall` when needed.
 */
export async function createHandoff(cache: ContextCache, taskKey: string, from: { role: string; summary: string; workingState: WorkingState }): Promise<string[]> {
  const ref = await cache.put({
    taskKey,
    kind: 'handoff',
    label: `handoff from ${from.role}`,
    content: JSON.stringify({ role: from.role, summary: from.summary, workingState: from.workingState }, null, 2),
  });
  const fileRefs = from.workingState.activeFiles.map((f) => f.ref).filter((r): r is string => Boolean(r));
  return [ref, ...new Set(fileRefs)];
}
