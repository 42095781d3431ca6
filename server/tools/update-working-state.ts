import type { WorkingStateManager } from '../agent/working-state';
import { toolError, type ToolDefinition } from './types';

export const description = `Record notes in your working state, which is shown to you every turn and survives when old turns are compacted. Use it for your plan (send the whole list; mark finished steps done), facts you will need later, approaches that failed, and open questions.`;

type Args = { plan?: unknown; discoveries?: unknown; failedApproaches?: unknown; openQuestions?: unknown; resolvedQuestions?: unknown };

export function createUpdateWorkingStateTool(state: WorkingStateManager, currentTurn: () => number): ToolDefinition<Args> {
  const strArray = (d: string) => ({ type: 'array', items: { type: 'string' }, description: d });
  return {
    name: 'update_working_state',
    description,
    parameters: {
      type: 'object',
      properties: {
        plan: {
          type: 'array',
          description: 'The full plan, replacing the previous one.',
          items: { type: 'object', properties: { step: { type: 'string', description: 'One step.' }, done: { type: 'boolean', description: 'Finished?' } }, required: ['step'] },
        },
        discoveries: strArray('Facts to keep (one line each), e.g. "prices are stored in cents (src/money.ts)".'),
        failedApproaches: strArray('Approaches that did not work and why.'),
        openQuestions: strArray('Questions still open.'),
        resolvedQuestions: strArray('Open questions now answered (a distinctive part of their text).'),
      },
    },
    async execute(args) {
      for (const key of ['discoveries', 'failedApproaches', 'openQuestions', 'resolvedQuestions', 'plan'] as const) {
        if (args?.[key] !== undefined && !Array.isArray(args[key])) return toolError(`"${key}" must be an array`);
      }
      const changed = state.applyNotes(args as never, currentTurn());
      if (changed.length === 0) return toolError('nothing to record: give at least one of plan, discoveries, failedApproaches, openQuestions, resolvedQuestions');
      return { output: `Working state updated: ${changed.join(', ')}.` };
    },
  };
}
