import { z } from 'zod';
import { ZId } from '../trpc';
import { SEVERITIES } from '../../viability/types';

/** Inputs of the viability procedures, written once (the router and its tests use these). */

export const ZRuleId = z.string().trim().regex(/^(?:js|ts|py)\/[a-z0-9-]+$/, 'must be a rule id such as js/sql-concat');
const ZPatternText = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);

export const ZProjectInput = z.object({ projectId: ZId });
export const ZPatternInput = z.object({ patternId: ZId });
export const ZUpdatePatternInput = z.object({
  patternId: ZId,
  /** The version the editor loaded: a save over someone else's newer version is refused. */
  expectedVersion: z.number().int().positive(),
  title: ZPatternText(200).optional(),
  severity: z.enum(SEVERITIES).optional(),
  doNot: ZPatternText(1000).optional(),
  instead: ZPatternText(2000).optional(),
  enabled: z.boolean().optional(),
});
export const ZRevertPatternInput = z.object({ patternId: ZId, version: z.number().int().positive() });
export const ZCleanupInput = z.object({ projectId: ZId, rule: ZRuleId.optional() });
