import { orgProcedure, router } from '../trpc';
import { AppError } from '../../errors/app-error';
import { BUILTIN_SUITE_DIR, loadSuite } from '../../evals/suite';
import { evalRunsDetail, listEvalRuns, queueEvalRun, setEvalJob } from '../../services/evals';
import { EVAL_RUN_JOB, ZEvalRunJob } from '../../../jobs/eval-run';
import { ZEvalDetailInput, ZEvalListInput, ZEvalStartInput } from './evals.types';

/** The built-in suite's outline (read once: it ships with the product). */
let builtin: { name: string; description: string; tasks: Array<{ id: string; title: string; tags: string[] }> } | null = null;
function builtinSuite() {
  if (!builtin) {
    const s = loadSuite(BUILTIN_SUITE_DIR);
    builtin = { name: s.name, description: s.description, tasks: s.tasks.map((t) => ({ id: t.id, title: t.title, tags: t.tags ?? [] })) };
  }
  return builtin;
}

/** The Evals page: eval runs of the organisation, side by side, and starting one. */
export const evalsRouter = router({
  suites: orgProcedure.query(() => [builtinSuite()]),
  list: orgProcedure.input(ZEvalListInput).query(({ ctx, input }) => listEvalRuns(ctx.db, ctx.scope, input)),
  detail: orgProcedure.input(ZEvalDetailInput).query(({ ctx, input }) => evalRunsDetail(ctx.db, ctx.scope, input)),
  /** Queues an eval of the built-in suite (the eval-run job runs it in a worker). */
  start: orgProcedure.input(ZEvalStartInput).mutation(async ({ ctx, input }) => {
    const boss = ctx.boss;
    if (!boss) throw new AppError('INTERNAL_SERVER_ERROR', 'The job queue is not running on this server');
    const suite = builtinSuite();
    const { id } = await queueEvalRun(ctx.db, ctx.scope, { suite: suite.name, model: input.model, mode: input.mode, repeat: input.repeat, total: suite.tasks.length * input.repeat });
    const jobId = await boss.send(EVAL_RUN_JOB, ZEvalRunJob.parse({ orgId: ctx.scope.orgId, evalRunId: id, model: input.model, mode: input.mode, repeat: input.repeat }));
    await setEvalJob(ctx.db, ctx.scope, { evalRunId: id, jobId });
    return { id };
  }),
});
