import { toolError, type ToolDefinition } from './types';

export const FINISH_TOOL = 'finish';
const VERDICTS = ['pass', 'fail', 'approve', 'request_changes'] as const;

export const description = `End your task. Call this once, when the objective is met and verified (or when you are certain it cannot be met — then say exactly why in the summary). Text answers never end the task; only this tool does.`;

type Args = { summary?: unknown; verdict?: unknown; findings?: unknown };

/**
 * `finish`: validates the payload; the loop ends the run when it succeeds. Roles that judge
 * (QA, reviewer) must give a verdict.
 */
export function createFinishTool(opts: { requireVerdict?: boolean } = {}): ToolDefinition<Args> {
  return {
    name: FINISH_TOOL,
    description,
    parameters: {
      type: 'object',
      properties: {
        summary: { type: 'string', description: 'What you did and how you verified it (or why the objective cannot be met).' },
        verdict: { type: 'string', enum: [...VERDICTS], description: 'QA: pass | fail. Reviewer: approve | request_changes. Others: omit.' },
        findings: {
          type: 'array',
          description: 'Structured findings: problems found, facts discovered, or planned tasks.',
          items: {
            type: 'object',
            properties: {
              title: { type: 'string', description: 'One line.' },
              detail: { type: 'string', description: 'Evidence, explanation or fix.' },
              files: { type: 'array', items: { type: 'string' }, description: 'Files involved.' },
              severity: { type: 'string', description: 'blocker | major | minor | nit (reviews).' },
            },
            required: ['title'],
          },
        },
      },
      required: ['summary'],
    },
    async execute(args) {
      if (typeof args?.summary !== 'string' || !args.summary.trim()) return toolError('"summary" is required: say what you did and how you verified it');
      if (args.verdict !== undefined && !VERDICTS.includes(args.verdict as (typeof VERDICTS)[number]))
        return toolError(`"verdict" must be one of ${VERDICTS.join(', ')}`);
      if (opts.requireVerdict && args.verdict === undefined) return toolError(`your role must give a "verdict" (${VERDICTS.join(', ')})`);
      if (args.findings !== undefined && !Array.isArray(args.findings)) return toolError('"findings" must be an array of {title, detail?, files?}');
      return { output: 'Task finished.', meta: { summary: args.summary, verdict: args.verdict, findings: args.findings } };
    },
  };
}
