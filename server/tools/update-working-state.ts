import type { WorkingStateManager } from '../agent/working-state';
import { z } from 'zod/v4';
import { defineTool, flag, listOf } from './define-tool';
import { toolError } from './types';

export const description = `Record notes in your working state, which is shown to you every turn and survives when old turns are compacted. Use it for your plan (send the whole list; mark finished steps done), facts you will need later, approaches that failed, and open questions.`;

const notes = (d: string) => listOf(z.string()).optional().describe(d);

export function createUpdateWorkingStateTool(state: WorkingStateManager, currentTurn: () => number) {
  return defineTool({
    name: 'update_working_state',
    description,
    parameters: z.object({
      plan: listOf(
        z.preprocess(
          (v) => (typeof v === 'string' ? { step: v } : v),
          z.object({ step: z.string().describe('One step of the plan, in a line.'), done: flag().optional().describe('Whether the step is finished (default false).') }),
        ),
      )
        .optional()
        .describe('The full plan, replacing the previous one.'),
      discoveries: notes('Facts to keep (one line each), e.g. "prices are stored in cents (src/money.ts)".'),
      failedApproaches: notes('Approaches that did not work and why.'),
      openQuestions: notes('Questions still open.'),
      resolvedQuestions: notes('Open questions now answered (a distinctive part of their text).'),
    }),
    async execute(args) {
      const changed = state.applyNotes(args, currentTurn());
      if (changed.length === 0) return toolError('nothing to record: give at least one of plan, discoveries, failedApproaches, openQuestions, resolvedQuestions');
      return { output: `Working state updated: ${changed.join(', ')}.` };
    },
  });
}
