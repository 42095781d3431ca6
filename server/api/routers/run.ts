import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { ZPlanTask } from '../../planner/validate-plan';
import { RUN_STATUSES } from '../../db/schema';
import { cancelRun, createRun, getRun, listRuns, previewRun, startRun } from '../../services/runs';
import { getPullRequest, listPullRequests } from '../../services/pull-requests';
import { closePullRequest, mergePullRequest, reopenPullRequest } from '../../services/pull-request-actions';
import { listPullScreenshots } from '../../services/screenshots';
import { dataDir } from '../../config';

/** `provider:model`, e.g. anthropic:claude-sonnet-4-5. */
export const ZModelName = z.string().trim().regex(/^[a-z]+:[\w.:/-]+$/, 'must be provider:model, e.g. anthropic:claude-sonnet-4-5');
const ZRunPlanInput = z.object({ specId: ZId, tasks: z.array(ZPlanTask).min(1, 'needs at least one task'), model: ZModelName.optional() });

export const runRouter = router({
  list: orgProcedure
    .input(z.object({ projectId: ZId.optional(), specId: ZId.optional(), status: z.enum(RUN_STATUSES).optional(), limit: z.number().int().min(1).max(200).optional() }))
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
  /** Merges a local pull request into its base branch in the repository on this server (a real git merge; refused on a conflict). */
  mergePullRequest: orgProcedure.input(z.object({ pullRequestId: ZId })).mutation(({ ctx, input }) => mergePullRequest(ctx.db, ctx.scope, input)),
  closePullRequest: orgProcedure.input(z.object({ pullRequestId: ZId })).mutation(({ ctx, input }) => closePullRequest(ctx.db, ctx.scope, input)),
  reopenPullRequest: orgProcedure.input(z.object({ pullRequestId: ZId })).mutation(({ ctx, input }) => reopenPullRequest(ctx.db, ctx.scope, input)),
  pullScreenshots: orgProcedure
    .input(z.object({ pullRequestId: ZId }))
    .query(({ ctx, input }) => listPullScreenshots(ctx.db, ctx.scope, { pullRequestId: input.pullRequestId, dataDir: dataDir() })),
});
