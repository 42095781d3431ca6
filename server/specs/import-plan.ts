import type { ImportedTask } from './speckit-convert';

/**
 * The team's tasks.md as the plan. Open tasks are planned (done ones are listed, not run again,
 * and a dependency on a done task is already met); the planner agent is only asked to fill gaps:
 * the files of tasks that name none, and tasks for parts of the spec no imported task covers.
 * Pure: the plan-spec job and `nightshift run --spec FOLDER` call these around the planner.
 */

export type PlannedTask = { id: string; title: string; description: string; files: string[]; dependsOn: string[]; parallelSafe?: boolean };
export type ImportPlan = {
  /** Open tasks in tasks.md order, dependencies on done tasks removed. */
  tasks: PlannedTask[];
  /** Ids of tasks already done (`[x]`): not planned. */
  done: string[];
  /** Open tasks without any file path: the planner fills these in. */
  gaps: string[];
};

/** Titles must be one line; descriptions keep the whole task (sub-bullets, notes). */
export function planFromImport(imported: readonly ImportedTask[]): ImportPlan {
  const done = imported.filter((t) => t.done).map((t) => t.id);
  const doneSet = new Set(done);
  const tasks = imported
    .filter((t) => !t.done)
    .map((t) => ({
      id: t.id,
      title: t.title || t.id,
      description: describe(t),
      files: t.files,
      dependsOn: t.dependsOn.filter((d) => !doneSet.has(d)),
      ...(t.parallelSafe ? { parallelSafe: true } : {}),
    }));
  return { tasks, done, gaps: tasks.filter((t) => t.files.length === 0).map((t) => t.id) };
}

function describe(t: ImportedTask): string {
  const why = t.edges.length ? `\n\nOrder (from tasks.md): ${t.edges.map((e) => `after ${e.dependsOn} — ${e.reason}`).join('; ')}.` : '';
  const state = t.state === 'partial' ? '\n\nThis task was started before ([~] in tasks.md): finish it.' : '';
  return `${t.description || t.title}${state}${why}`.trim();
}

/**
 * The planner's objective when an import has gaps: keep the team's tasks, name the files of the
 * ones that have none, add tasks only for what the tasks do not cover.
 */
export function gapFillingObjective(specMarkdown: string, plan: ImportPlan): string {
  const list = plan.tasks.map((t) => `- ${t.id}: ${t.title}${t.files.length ? ` (files: ${t.files.join(', ')})` : ' (files: ?)'}${t.dependsOn.length ? ` [after ${t.dependsOn.join(', ')}]` : ''}`).join('\n');
  return [
    "This spec was imported from the team's Spec Kit folder, and its tasks.md is the plan. Submit it with submit_plan:",
    '- keep every task below with the same id, title and dependsOn;',
    `- fill in \`files\` for the tasks marked "files: ?" (${plan.gaps.join(', ') || 'none'}), reading the repository to find the real paths;`,
    '- keep the files the other tasks already name;',
    '- add a task only for a part of the spec that no task covers (a new id), and say why in its description.',
    plan.done.length ? `Tasks ${plan.done.join(', ')} are already done; do not plan them again.` : '',
    '',
    'Tasks from tasks.md:',
    list,
    '',
    'The spec:',
    specMarkdown,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/**
 * The planner's answer folded into the team's plan: the imported tasks stay as written (their
 * dependencies and descriptions win), gaps get the planner's files, and tasks the planner added
 * come after. Returns what changed, for the run's log.
 */
export function mergeGapFill(plan: ImportPlan, submitted: readonly PlannedTask[]): { tasks: PlannedTask[]; filled: string[]; added: string[] } {
  const byId = new Map(submitted.map((t) => [t.id, t]));
  const filled: string[] = [];
  const tasks = plan.tasks.map((t) => {
    if (t.files.length > 0) return t;
    const s = byId.get(t.id);
    if (!s || s.files.length === 0) return t;
    filled.push(t.id);
    return { ...t, files: s.files };
  });
  const known = new Set([...plan.tasks.map((t) => t.id), ...plan.done]);
  const added = submitted.filter((t) => !known.has(t.id)).map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => known.has(d) ? !plan.done.includes(d) : true) }));
  return { tasks: [...tasks, ...added], filled, added: added.map((t) => t.id) };
}
