import { z } from 'zod/v4';
import { validatePlan, type SubmittedTask } from '../planner/validate-plan';
import { defineTool, listOf } from '../tools/define-tool';
import { toolError } from '../tools/types';

export const SUBMIT_PLAN_TOOL = 'submit_plan';

/**
 * The task shape as the planner model sends it. The plan's own schema (`ZPlanTask`, zod 3) is
 * shared with the tRPC router and the MCP server, which cannot hold a zod 4 schema; this mirror
 * gives the model its JSON Schema, and `submit-plan.test.ts` keeps the two in step.
 */
const planTask = z.object({
  id: z.string().min(1).describe('Short unique id, e.g. "api-users"; other tasks name it in dependsOn.'),
  title: z.string().min(1).describe('One line saying what the task delivers.'),
  description: z.string().min(1).describe('What to change and how to tell it is done (the objective and its acceptance criteria).'),
  files: listOf(z.string()).describe('Repo-relative paths the task creates or changes; at least one.'),
  dependsOn: listOf(z.string()).optional().describe('Ids of tasks that must land first.'),
  repo: z.string().min(1).optional().describe('Repository of the task, in multi-repository projects.'),
});

/**
 * The planner's `submit_plan`: the plan is validated (unknown dependencies, duplicate ids, tasks
 * without files, cycles) and the errors go back to the model to fix; an accepted plan is kept in
 * `holder`.
 */
export function createSubmitPlanTool(holder: { tasks: SubmittedTask[] | null }) {
  return defineTool({
    name: SUBMIT_PLAN_TOOL,
    description: 'Submit the plan: the tasks, each with the files it touches and the tasks it depends on. Answers with the errors to fix, or accepts the plan.',
    parameters: z.object({ tasks: z.array(planTask).describe('The tasks of the plan.') }),
    async execute(args) {
      const v = validatePlan(args);
      if (!v.ok) return toolError(`The plan was not accepted. Fix these and call submit_plan again:\n${v.errors.map((e) => `- ${e}`).join('\n')}`);
      holder.tasks = v.tasks;
      return { output: `Plan accepted: ${v.tasks.length} tasks. Now call finish with a summary of the plan.` };
    },
  });
}
