import { orgProcedure, router } from '../trpc';
import { dataDir } from '../../config';
import { listPatterns, patternHistory, revertPattern, updatePattern } from '../../services/learned-patterns';
import { createCleanupSpec, scanProject } from '../../viability/project-scan';
import { ruleInfos } from '../../viability/catalogue';
import { ZCleanupInput, ZPatternInput, ZProjectInput, ZRevertPatternInput, ZUpdatePatternInput } from './viability.types';

/** A project's learned anti-patterns (the Patterns section of the project page), scans and cleanup specs. */
export const viabilityRouter = router({
  rules: orgProcedure.query(() => ruleInfos()),
  patterns: orgProcedure.input(ZProjectInput).query(({ ctx, input }) => listPatterns(ctx.db, ctx.scope, input)),
  history: orgProcedure.input(ZPatternInput).query(({ ctx, input }) => patternHistory(ctx.db, ctx.scope, input)),
  update: orgProcedure.input(ZUpdatePatternInput).mutation(({ ctx, input }) => updatePattern(ctx.db, ctx.scope, input)),
  revert: orgProcedure.input(ZRevertPatternInput).mutation(({ ctx, input }) => revertPattern(ctx.db, ctx.scope, input)),
  scan: orgProcedure.input(ZProjectInput).mutation(({ ctx, input }) => scanProject(ctx.db, ctx.scope, { ...input, dataDir: dataDir() })),
  cleanupSpec: orgProcedure.input(ZCleanupInput).mutation(({ ctx, input }) => createCleanupSpec(ctx.db, ctx.scope, { ...input, dataDir: dataDir() })),
});
