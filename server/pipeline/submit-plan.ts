import { validatePlan, type SubmittedTask } from '../planner/validate-plan';
import { toolError, type ToolDefinition } from '../tools/types';

export const SUBMIT_PLAN_TOOL = 'submit_plan';

/**
 * The planner's `submit_plan`: the plan is validated (unknown dependencies, duplicate ids, tasks
 * without files) and the errors go back to the model to fix; an accepted plan is kept in `holder`.
 */
export function createSubmitPlanTool(holder: { tasks: SubmittedTask[] | null }): ToolDefinition<Record<string, unknown>> {
  return {
    name: SUBMIT_PLAN_TOOL,
    description: 'Submit the plan: the tasks, each with the files it touches and the tasks it depends on. Answers with the errors to fix, or accepts the plan.',
    parameters: {
      type: 'object',
      properties: {
        tasks: {
          type: 'array',
          description: 'The tasks of the plan.',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', description: 'Short unique id, e.g. "T1".' },
              title: { type: 'string', description: 'One line.' },
              description: { type: 'string', description: 'The objective and its acceptance criteria.' },
              files: { type: 'array', items: { type: 'string' }, description: 'Files the task will touch (relative paths).' },
              dependsOn: { type: 'array', items: { type: 'string' }, description: 'Ids of tasks that must land first.' },
              repo: { type: 'string', description: 'Repository, for multi-repository projects.' },
            },
            required: ['id', 'title', 'files'],
          },
        },
      },
      required: ['tasks'],
    },
    async execute(args) {
      const v = validatePlan(args);
      if (!v.ok) return toolError(`The plan was not accepted. Fix these and call submit_plan again:\n${v.errors.map((e) => `- ${e}`).join('\n')}`);
      holder.tasks = v.tasks;
      return { output: `Plan accepted: ${v.tasks.length} tasks. Now call finish with a summary of the plan.` };
    },
  };
}
