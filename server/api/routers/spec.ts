import { z } from 'zod';
import { ZText } from '../schemas';
import { orgProcedure, router, ZId } from '../trpc';
import { createSpec, getSpec, listSpecs, submitSpec, updateSpec } from '../../services/specs';
import { noticeSpecScored } from '../../../jobs/notice-bridge';

/** Field schemas of specs, written once for routes and forms. */
export const ZSpecTitle = ZText.trim().min(1, 'is required').max(200, 'must be at most 200 characters');
export const ZSpecMarkdown = ZText.max(200_000, 'must be at most 200,000 characters');

export const specRouter = router({
  list: orgProcedure.input(z.object({ projectId: ZId.optional() })).query(({ ctx, input }) => listSpecs(ctx.db, ctx.scope, input)),
  get: orgProcedure.input(z.object({ specId: ZId })).query(({ ctx, input }) => getSpec(ctx.db, ctx.scope, input.specId)),
  /** Creates a draft; the completeness score and findings come back with it. */
  create: orgProcedure
    .input(z.object({ projectId: ZId, title: ZSpecTitle, markdown: ZSpecMarkdown }))
    .mutation(({ ctx, input }) => createSpec(ctx.db, ctx.scope, input)),
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
