import { z } from 'zod';
import { ZId } from '../trpc';
import { EVAL_MODES } from '../../evals/result';
import { MAX_EVAL_REPEAT } from '../../evals/runner';
import { ZModelName } from './run';

/** Inputs of the evals procedures, written once (the router, the page and tests use these). */

/** The most eval runs compared side by side. */
export const MAX_COMPARED_EVAL_RUNS = 6;

export const ZEvalListInput = z.object({ suite: z.string().trim().min(1).max(100).optional(), limit: z.number().int().min(1).max(200).optional() });
export const ZEvalDetailInput = z.object({ evalRunIds: z.array(ZId).min(1, 'pick at least one eval run').max(MAX_COMPARED_EVAL_RUNS, `compare at most ${MAX_COMPARED_EVAL_RUNS} eval runs`) });
export const ZEvalStartInput = z.object({
  model: ZModelName,
  mode: z.enum(EVAL_MODES).default('agent'),
  repeat: z.number().int().min(1).max(MAX_EVAL_REPEAT).default(1),
});
