import { z } from 'zod';
import type { JobDefinition } from './definition';
import { enqueueNotice } from './notify';
import { parseDriver } from '../sandbox/index';
import type { SandboxDriverName } from '../sandbox/types';
import { dataDir } from '../server/config';
import { evalsPageUrl, regressionNotice } from '../server/evals/notice';
import { EVAL_MODES } from '../server/evals/result';
import { MAX_EVAL_CONCURRENCY, MAX_EVAL_REPEAT, runEval } from '../server/evals/runner';
import { BUILTIN_SUITE_DIR, EvalSuiteError, loadSuite } from '../server/evals/suite';
import { endEvalRun } from '../server/services/evals';

export const EVAL_RUN_JOB = 'eval-run';

export const ZEvalRunJob = z.object({
  orgId: z.string().uuid(),
  evalRunId: z.string().uuid(),
  model: z.string(),
  mode: z.enum(EVAL_MODES),
  repeat: z.number().int().min(1).max(MAX_EVAL_REPEAT),
  concurrency: z.number().int().min(1).max(MAX_EVAL_CONCURRENCY).default(1),
});
export type EvalRunJob = z.infer<typeof ZEvalRunJob>;

/**
 * The eval-run job over a suite folder (the built-in suite in the product; tests pass another).
 * Runs an eval started from the Evals page: each task attempt a run of the
 * organisation through the one executor (its keys and settings), verified with the hidden files;
 * the result stored and compared with the previous run of the suite, a regression told to the
 * organisation's chat channels. Not retried: a second attempt would run (and bill) every task again.
 */
export function createEvalRunJob(opts: { suiteDir?: string; dataDir?: string; driver?: SandboxDriverName } = {}) {
  return {
    id: EVAL_RUN_JOB,
    payload: ZEvalRunJob,
    queue: { retryLimit: 0, expireInSeconds: 6 * 3600 },
    async handler(data, ctx) {
      try {
        if (!ctx.connectionString) throw new Error('this worker was started without its database connection string');
        const suite = loadSuite(opts.suiteDir ?? BUILTIN_SUITE_DIR);
        const outcome = await runEval({
          db: ctx.db,
          databaseUrl: ctx.connectionString,
          dataDir: opts.dataDir ?? dataDir(),
          orgId: data.orgId,
          suite,
          suiteSource: 'builtin',
          model: data.model,
          mode: data.mode,
          repeat: data.repeat,
          concurrency: data.concurrency,
          driver: opts.driver ?? parseDriver(process.env.SANDBOX_DRIVER),
          publish: ctx.publish,
          evalRunId: data.evalRunId,
          runner: 'server',
        });
        if (outcome.cancelled) return { cancelled: true };
        const org = await ctx.db.selectFrom('organizations').select('slug').where('id', '=', data.orgId).executeTakeFirst();
        const notice = regressionNotice(outcome.result, outcome.regression, org ? evalsPageUrl(org.slug, data.evalRunId) : undefined);
        const channel = await ctx.db.selectFrom('notification_channels').select('id').where('org_id', '=', data.orgId).where('enabled', '=', true).limit(1).executeTakeFirst();
        if (notice && channel) await enqueueNotice(ctx.boss, data.orgId, notice);
        return { passRate: outcome.result.passRate, regressions: outcome.regression.regressions.map((r) => r.id) };
      } catch (err) {
        const message = err instanceof EvalSuiteError ? `the built-in suite is broken: ${err.message}` : (err as Error).message;
        await endEvalRun(ctx.db, { orgId: data.orgId, evalRunId: data.evalRunId, status: 'failed', error: message });
        return { error: message };
      }
    },
  } satisfies JobDefinition<typeof ZEvalRunJob>;
}

export const evalRunJob = createEvalRunJob();
