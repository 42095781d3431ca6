import { z } from 'zod';
import { planWaves } from './waves';
import type { PlanTask } from './types';

/**
 * The `submit_plan` payload and its validation. The planner role returns these errors to the
 * model as a tool result, so each one says which task is wrong and what to change.
 */
export const ZPlanTask = z.object({
  id: z.string().min(1).describe('Short unique id, e.g. "api-users"; other tasks name it in dependsOn'),
  title: z.string().min(1).describe('One line saying what the task delivers'),
  description: z.string().min(1).describe('What to change and how to tell it is done'),
  files: z.array(z.string()).describe('Repo-relative paths the task creates or changes; at least one'),
  dependsOn: z.array(z.string()).default([]).describe('Ids of tasks that must land first'),
  repo: z.string().min(1).optional().describe('Repository of the task in multi-repo projects'),
});
export const ZSubmitPlanInput = z.object({
  tasks: z.array(ZPlanTask).describe('The tasks of the plan'),
});
export type SubmitPlanInput = z.infer<typeof ZSubmitPlanInput>;
export type SubmittedTask = z.infer<typeof ZPlanTask>;

export type PlanValidation = { ok: true; tasks: SubmittedTask[] } | { ok: false; errors: string[] };

/** Caps the error list: a model fixes the first few problems better than it reads two hundred. */
export const MAX_PLAN_ERRORS = 30;

/**
 * Validates a submitted plan: shape, unique ids, known dependencies, at least one file per task,
 * no self-dependency and no dependency cycle.
 *
 * @example validatePlan({tasks:[{id:'a',title:'A',description:'…',files:[],dependsOn:['b']}]})
 *   // { ok:false, errors:['tasks[0] "a": files is empty; …', 'tasks[0] "a": dependsOn "b" is not …'] }
 */
export function validatePlan(payload: unknown): PlanValidation {
  const parsed = ZSubmitPlanInput.safeParse(payload);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.slice(0, MAX_PLAN_ERRORS).map((i) => {
        const where = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
        return `${where || 'payload'}: ${i.message}. Send {"tasks":[{"id","title","description","files":[…],"dependsOn":[…]}]}.`;
      }),
    };
  }
  const tasks = parsed.data.tasks;
  const errors: string[] = [];
  if (tasks.length === 0) errors.push('tasks is empty: a plan needs at least one task.');

  const firstIndex = new Map<string, number>();
  tasks.forEach((t, i) => {
    const prev = firstIndex.get(t.id);
    if (prev !== undefined) errors.push(`tasks[${i}] "${t.id}": id already used by tasks[${prev}]. Give every task a unique id.`);
    else firstIndex.set(t.id, i);
  });
  const ids = [...firstIndex.keys()];
  const known = ids.length <= 20 ? ids.map((id) => `"${id}"`).join(', ') : `${ids.slice(0, 20).map((id) => `"${id}"`).join(', ')}, …`;
  tasks.forEach((t, i) => {
    const label = `tasks[${i}] "${t.id}"`;
    if (t.files.filter((f) => f.trim()).length === 0) errors.push(`${label}: files is empty. List every path the task creates or changes, e.g. "src/api/users.ts"; the planner uses them to keep parallel tasks off the same files.`);
    for (const dep of t.dependsOn) {
      if (dep === t.id) errors.push(`${label}: depends on itself. Remove "${dep}" from its dependsOn.`);
      else if (!firstIndex.has(dep)) errors.push(`${label}: dependsOn "${dep}" is not a task id in this plan. Use one of ${known}, or add a task with that id.`);
    }
  });

  if (errors.length === 0) {
    const result = planWaves(tasks as PlanTask[]);
    if (!result.ok) errors.push(`${result.error.message}`);
  }
  return errors.length ? { ok: false, errors: errors.slice(0, MAX_PLAN_ERRORS) } : { ok: true, tasks };
}
