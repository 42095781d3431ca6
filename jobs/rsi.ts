import { z } from 'zod';
import type { JobDefinition } from './definition';
import { enqueueNotice } from './notify';
import { parseDriver } from '../sandbox/index';
import type { SandboxDriverName } from '../sandbox/types';
import { dataDir } from '../server/config';
import { getLogger } from '../server/observability/logger';
import { runCycle } from '../server/rsi/cycle';
import { improvementsPageUrl } from '../server/rsi/notice';
import { claimScheduledReport, claimUnsentReports, dueOrganisations, failReport, settleStaleReports, setReportJob } from '../server/services/rsi';

/**
 * The self-improvement loop on a schedule (issue 16, item 7). `rsi-schedule` ticks every five
 * minutes and, for each organisation whose reporter is switched on and whose last report is older
 * than its interval (organizations.settings.rsi, default hourly), claims one queued report and
 * queues an `rsi-cycle` job for it; the cycle job runs the reporter: mining always, proposals and
 * calibration when the organisation configured a model. The page's "Run now" queues the same job.
 */

export const RSI_SCHEDULE_JOB = 'rsi-schedule';
export const RSI_CYCLE_JOB = 'rsi-cycle';
/** A cycle's job expires after this; a report still open long after it is settled as failed. */
export const RSI_CYCLE_EXPIRE_SECONDS = 6 * 3600;

export const ZRsiCycleJob = z.object({ orgId: z.string().uuid(), reportId: z.string().uuid() });
export type RsiCycleJob = z.infer<typeof ZRsiCycleJob>;

const DAY_MS = 24 * 3600 * 1000;

export const rsiScheduleJob = {
  id: RSI_SCHEDULE_JOB,
  payload: z.object({}).passthrough(),
  cron: '*/5 * * * *',
  queue: { retryLimit: 0, expireInSeconds: 240 },
  async handler(_data, ctx) {
    const now = new Date();
    // A report whose worker died stays open and would block the schedule: settle it first.
    const settled = await settleStaleReports(ctx.db, { olderThan: new Date(now.getTime() - (RSI_CYCLE_EXPIRE_SECONDS + 3600) * 1000) });
    const queued: string[] = [];
    // "Run now" pressed on a web process that had no job queue.
    for (const { orgId, reportId } of await claimUnsentReports(ctx.db)) {
      const jobId = await ctx.boss.send(RSI_CYCLE_JOB, ZRsiCycleJob.parse({ orgId, reportId }));
      await setReportJob(ctx.db, { orgId, reportId, jobId });
      queued.push(reportId);
    }
    for (const { orgId, settings } of await dueOrganisations(ctx.db, now)) {
      const reportId = await claimScheduledReport(ctx.db, { orgId, since: new Date(now.getTime() - settings.windowDays * DAY_MS) });
      if (!reportId) continue; // one is already queued or running
      const jobId = await ctx.boss.send(RSI_CYCLE_JOB, ZRsiCycleJob.parse({ orgId, reportId }));
      await setReportJob(ctx.db, { orgId, reportId, jobId });
      queued.push(reportId);
    }
    return { queued, settled };
  },
} satisfies JobDefinition;

/** The cycle job; tests pass a calibration suite folder and a sandbox driver. */
export function createRsiCycleJob(opts: { suite?: string; dataDir?: string; driver?: SandboxDriverName } = {}) {
  return {
    id: RSI_CYCLE_JOB,
    payload: ZRsiCycleJob,
    // Not retried: a second attempt would run (and bill) the calibration evals again.
    queue: { retryLimit: 0, expireInSeconds: RSI_CYCLE_EXPIRE_SECONDS },
    async handler(data, ctx) {
      const log = getLogger({ component: 'rsi', orgId: data.orgId });
      try {
        if (!ctx.connectionString) throw new Error('this worker was started without its database connection string');
        const org = await ctx.db.selectFrom('organizations').select('slug').where('id', '=', data.orgId).executeTakeFirst();
        if (!org) throw new Error('the organisation is gone');
        const report = await ctx.db.selectFrom('rsi_reports').select(['trigger', 'started_by']).where('id', '=', data.reportId).where('org_id', '=', data.orgId).executeTakeFirst();
        if (!report) return { skipped: 'the report is gone' };
        const summary = await runCycle({
          db: ctx.db,
          databaseUrl: ctx.connectionString,
          dataDir: opts.dataDir ?? dataDir(),
          orgId: data.orgId,
          trigger: report.trigger,
          reportId: data.reportId,
          startedBy: report.started_by,
          suite: opts.suite,
          driver: opts.driver ?? parseDriver(process.env.SANDBOX_DRIVER),
          publish: ctx.publish,
          pageUrl: improvementsPageUrl(org.slug),
          notify: async (notice) => {
            await enqueueNotice(ctx.boss, data.orgId, notice);
          },
          log: (line) => log.info(line),
        });
        return { reportId: summary.reportId, observations: summary.observations.length, proposals: summary.proposals.map((p) => ({ id: p.id, status: p.status })), adopted: summary.adopted };
      } catch (err) {
        const message = (err as Error).message;
        await failReport(ctx.db, { orgId: data.orgId, reportId: data.reportId, error: message });
        log.error({ err: message }, 'self-improvement cycle failed');
        return { error: message };
      }
    },
  } satisfies JobDefinition<typeof ZRsiCycleJob>;
}

export const rsiCycleJob = createRsiCycleJob();
