import { z } from 'zod';
import { publicProcedure, router, userProcedure } from '../trpc';
import { getInstanceSettings, isInstanceOwner, updateInstanceSettings } from '../../services/instance';

/** Instance-wide settings; the instance's owner is an owner of its first organisation (server/services/instance.ts). */
export const instanceRouter = router({
  /** Public: the sign-up page needs to know whether sign-up is open. `canManage` says whether the caller may change it. */
  settings: publicProcedure.query(async ({ ctx }) => ({
    ...(await getInstanceSettings(ctx.db)),
    canManage: ctx.userId ? await isInstanceOwner(ctx.db, ctx.userId) : false,
  })),
  update: userProcedure
    .input(z.object({ openSignUp: z.boolean().optional() }))
    .mutation(({ ctx, input }) => updateInstanceSettings(ctx.db, ctx.userId, input)),
});
