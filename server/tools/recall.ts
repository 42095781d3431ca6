import type { ContextCache } from '../agent/context-cache';
import { isCacheRef } from '../agent/context-cache';
import { z } from 'zod/v4';
import { defineTool, wholeNumber } from './define-tool';
import { toolError } from './types';

/** A recalled item is shown in pages so one recall cannot flood the context. */
export const RECALL_PAGE_CHARS = 16_000;

export const description = `Fetch an item from the context cache by its reference (ctx:…): a full tool output, a file version, a reasoning trace, a failed attempt or a handoff from an earlier role. References appear in your working state, the compacted turns and shortened tool results.`;

export function createRecallTool(cache: ContextCache, taskKey: string) {
  return defineTool({
    name: 'recall',
    description,
    parameters: z.object({
      ref: z
        .string()
        .trim()
        .refine(isCacheRef, 'must be a reference like "ctx:0123456789abcdef" (16 hex digits) taken from your context')
        .describe('The reference, e.g. "ctx:0123456789abcdef".'),
      offset: wholeNumber().min(0).optional().describe('Character offset for long items (default 0).'),
    }),
    async execute(args) {
      const item = await cache.get(taskKey, args.ref);
      if (!item) return toolError(`${args.ref} is not in this task's context cache`);
      const offset = args.offset ?? 0;
      const page = item.content.slice(offset, offset + RECALL_PAGE_CHARS);
      const more = offset + RECALL_PAGE_CHARS < item.content.length ? `\n… [more: recall with offset ${offset + RECALL_PAGE_CHARS}]` : '';
      return { output: `${item.kind} ${item.label} (${args.ref}):\n${page}${more}` };
    },
  });
}
