import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { orgProcedure, router, ZId } from '../trpc';
import { ZModelName } from './run';
import { requireRole } from '../../services/orgs';
import { sharedBoss } from '../../../jobs/runtime';
import { PLAN_SPEC_JOB } from '../../../jobs/plan-spec';

export const DEFAULT_PLANNING_MODEL = process.env.NIGHTSHIFT_DEFAULT_MODEL ?? 'anthropic:claude-sonnet-4-5';

export const planningRouter = router({
  /** Starts the planner agent on an accepted spec; the run it creates waits, queued, for "Start run". */
  planSpec: orgProcedure.input(z.object({ specId: ZId, model: ZModelName.optional() })).mutation(async ({ ctx, input }) => {
    requireRole(ctx.scope, 'member');
    const spec = await ctx.db.selectFrom('specs').select(['id', 'status']).where('org_id', '=', ctx.scope.orgId).where('id', '=', input.specId).executeTakeFirst();
    if (!spec) throw new TRPCError({ code: 'NOT_FOUND', message: 'Spec not found' });
    if (spec.status !== 'accepted') throw new TRPCError({ code: 'BAD_REQUEST', message: 'Submit the spec for planning first: only an accepted spec is planned' });
    const boss = sharedBoss();
    if (!boss) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The job queue is not running on this server' });
    const jobId = await boss.send(PLAN_SPEC_JOB, { orgId: ctx.scope.orgId, specId: spec.id, userId: ctx.scope.userId, model: input.model ?? DEFAULT_PLANNING_MODEL });
    return { queued: true, jobId, model: input.model ?? DEFAULT_PLANNING_MODEL };
  }),
  defaultModel: orgProcedure.query(() => ({ model: DEFAULT_PLANNING_MODEL })),
});
