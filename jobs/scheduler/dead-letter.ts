import type { JobDefinition } from '../definition';
import { TASK_DEAD_LETTER_QUEUE } from './constants';
import { ZTaskJob } from './task-job';
import { advanceRun } from './advance-run';

/**
 * Dead letters: pg-boss moves a task job here when its last retry failed. The worker that saw the
 * last failure marked the task `dead` before failing the job, so this only makes sure the run is
 * settled (failed with the task's reason). The jobs stay in pg-boss's tables, visible to operators
 * beside the `dead` task rows.
 */
export const taskDeadLetterJob = {
  id: TASK_DEAD_LETTER_QUEUE,
  payload: ZTaskJob,
  queue: { retryLimit: 0 },
  work: { pollingIntervalSeconds: 2 },
  async handler(data, ctx) {
    const t = await advanceRun(ctx.db, data.runId);
    if (t) for (const e of t.events) await ctx.publish(t.orgId, e);
    return { settled: Boolean(t) };
  },
} satisfies JobDefinition<typeof ZTaskJob>;
