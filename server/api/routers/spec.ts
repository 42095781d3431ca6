import { z } from 'zod';
import { ZText } from '../schemas';
import { orgProcedure, router, ZId } from '../trpc';
import { createSpec, getSpec, importSpecKitSpec, listSpecs, submitSpec, updateSpec } from '../../services/specs';
import { noticeSpecScored } from '../../../jobs/notice-bridge';
import { groundSpecNames } from '../../services/spec-grounding';
import { MAX_GROUNDING_NAME_LENGTH, MAX_GROUNDING_NAMES } from '../../specs/grounding';

/** Field schemas of specs, written once for routes and forms. */
export const ZSpecTitle = ZText.trim().min(1, 'is required').max(200, 'must be at most 200 characters');
// Imported Spec Kit folders carry their plan, research, contracts and tasks: a few hundred KB is normal.
export const ZSpecMarkdown = ZText.max(2_000_000, 'must be at most 2,000,000 characters');
/** A Spec Kit feature folder as the browser read it (text files, paths relative to the chosen folder). */
export const ZSpecKitFiles = z
  .array(z.object({ path: ZText.min(1).max(500), content: ZText.max(2_000_000, 'a file must be at most 2,000,000 characters') }))
  .min(1, 'choose a folder')
  .max(200, 'a feature folder holds at most 200 files')
  .refine((files) => files.reduce((n, f) => n + f.content.length, 0) <= 8_000_000, 'the folder must be at most 8,000,000 characters in total');

const ZGroundingNames = z.array(ZText.max(MAX_GROUNDING_NAME_LENGTH)).max(MAX_GROUNDING_NAMES);

export const specRouter = router({
  list: orgProcedure.input(z.object({ projectId: ZId.optional() })).query(({ ctx, input }) => listSpecs(ctx.db, ctx.scope, input)),
  get: orgProcedure.input(z.object({ specId: ZId })).query(({ ctx, input }) => getSpec(ctx.db, ctx.scope, input.specId)),
  /** Creates a draft; the completeness score and findings come back with it. */
  create: orgProcedure
    .input(z.object({ projectId: ZId, title: ZSpecTitle, markdown: ZSpecMarkdown }))
    .mutation(({ ctx, input }) => createSpec(ctx.db, ctx.scope, input)),
  /** Creates a draft from a Spec Kit folder: the folder's documents become the spec, tasks.md its plan. */
  importSpecKit: orgProcedure
    .input(z.object({ projectId: ZId, files: ZSpecKitFiles }))
    .mutation(({ ctx, input }) => importSpecKitSpec(ctx.db, ctx.scope, input)),
  /**
   * Which of the names a spec gives (paths, identifiers, npm scripts) the project's repository has:
   * the editor's worker scores with the answer, so it shows the grounded score the gate computes.
   */
  ground: orgProcedure
    .input(z.object({ projectId: ZId, paths: ZGroundingNames, symbols: ZGroundingNames, scripts: ZGroundingNames }))
    .query(({ ctx, input }) => groundSpecNames(ctx.db, { orgId: ctx.scope.orgId, projectId: input.projectId, names: { paths: input.paths, symbols: input.symbols, scripts: input.scripts } })),
  update: orgProcedure
    .input(z.object({ specId: ZId, title: ZSpecTitle.optional(), markdown: ZSpecMarkdown.optional() }))
    .mutation(({ ctx, input }) => updateSpec(ctx.db, ctx.scope, input)),
  /** Accepted at or above the organisation's threshold; refused with the findings below it. */
  submit: orgProcedure.input(z.object({ specId: ZId })).mutation(async ({ ctx, input }) => {
    const notify = async (accepted: boolean) => {
      const spec = await getSpec(ctx.db, ctx.scope, input.specId);
      await noticeSpecScored(ctx.db, ctx.boss ?? null, ctx.scope.orgId, { id: spec.id, title: spec.title, score: spec.score, threshold: spec.threshold, accepted, projectId: spec.projectId }).catch(() => undefined);
    };
    try {
      const result = await submitSpec(ctx.db, ctx.scope, input);
      await notify(true);
      return result;
    } catch (err) {
      if ((err as { code?: string }).code === 'BAD_REQUEST') await notify(false);
      throw err;
    }
  }),
});
