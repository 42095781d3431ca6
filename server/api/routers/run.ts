import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { ZPlanTask } from '../../planner/validate-plan';
import { RUN_STATUSES } from '../../db/schema';
import { cancelRun, createRun, getRun, listRuns, previewRun, startRun } from '../../services/runs';
import { getPullRequest, listPullRequests } from '../../services/pull-requests';
import { listPullScreenshots } from '../../services/screenshots';
import { dataDir } from '../../config';

/** `provider:model`, e.g. anthropic:claude-sonnet-4-5. */
export const ZModelName = z.string().trim().regex(/^[a-z]+:[\w.:/-]+$/, 'must be provider:model, e.g. anthropic:claude-sonnet-4-5');
const ZRunPlanInput = z.object({ specId: ZId, tasks: z.array(ZPlanTask).min(1, 'needs at least one task'), model: ZModelName.optional() });

export const runRouter = router({
  list: orgProcedure
    .input(z.object({ projectId: ZId.optional(), specId: ZId.optional(), status: z.enum(RUN_STATUSES).optional() }))
    .query(({ ctx, input }) => listRuns(ctx.db, ctx.scope, input)),
  /** Status with tasks per wave. */
  get: orgProcedure.input(z.object({ runId: ZId })).query(({ ctx, input }) => getRun(ctx.db, ctx.scope, input.runId)),
  /** Waves, predicted conflicts, tokens and cost per task — nothing is stored (a mutation only because a plan is too big for a GET URL). */
  preview: orgProcedure.input(ZRunPlanInput).mutation(({ ctx, input }) => previewRun(ctx.db, ctx.scope, input)),
  create: orgProcedure.input(ZRunPlanInput).mutation(({ ctx, input }) => createRun(ctx.db, ctx.scope, input)),
  start: orgProcedure.input(z.object({ runId: ZId })).mutation(({ ctx, input }) => startRun(ctx.db, ctx.scope, input)),
  cancel: orgProcedure.input(z.object({ runId: ZId })).mutation(({ ctx, input }) => cancelRun(ctx.db, ctx.scope, input)),
  pullRequests: orgProcedure
    .input(z.object({ projectId: ZId.optional(), runId: ZId.optional() }))
    .query(({ ctx, input }) => listPullRequests(ctx.db, ctx.scope, input)),
  pullRequest: orgProcedure.input(z.object({ pullRequestId: ZId })).query(({ ctx, input }) => getPullRequest(ctx.db, ctx.scope, input.pullRequestId)),
  pullScreenshots: orgProcedure
    .input(z.object({ pullRequestId: ZId }))
    .query(({ ctx, input }) => listPullScreenshots(ctx.db, ctx.scope, { pullRequestId: input.pullRequestId, dataDir: dataDir() })),
});
