import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { orgProcedure, router, ZId } from '../trpc';
import { ZModelName } from './run';
import { requireRole } from '../../services/orgs';
import { orgModelName } from '../../services/agent-settings';
import { getSpec } from '../../services/specs';
import type { OrgScope } from '../../services/scope';
import type { DB } from '../../db/client';
import { PLAN_SPEC_JOB } from '../../../jobs/plan-spec';

/** The planner's model for an organisation: its model for the planner role, its default, else the deployment's. */
export async function planningModelFor(db: DB, scope: OrgScope): Promise<string> {
  return orgModelName(db, scope.orgId, { role: 'planner' });
}

export const planningRouter = router({
  /** Starts the planner agent on an accepted spec; the run it creates waits, queued, for "Start run". */
  planSpec: orgProcedure.input(z.object({ specId: ZId, model: ZModelName.optional() })).mutation(async ({ ctx, input }) => {
    requireRole(ctx.scope, 'member');
    const spec = await getSpec(ctx.db, ctx.scope, input.specId);
    if (spec.status !== 'accepted') throw new TRPCError({ code: 'BAD_REQUEST', message: 'Submit the spec for planning first: only an accepted spec is planned' });
    const boss = ctx.boss;
    if (!boss) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The job queue is not running on this server' });
    const model = input.model ?? (await planningModelFor(ctx.db, ctx.scope));
    // The run's model: the one named here, else the organisation's default (not the planner's own).
    const runModel = input.model ?? (await orgModelName(ctx.db, ctx.scope.orgId));
    const jobId = await boss.send(PLAN_SPEC_JOB, { orgId: ctx.scope.orgId, specId: spec.id, userId: ctx.scope.userId, model, runModel });
    return { queued: true, jobId, model };
  }),
  defaultModel: orgProcedure.query(async ({ ctx }) => ({ model: await planningModelFor(ctx.db, ctx.scope) })),
});
