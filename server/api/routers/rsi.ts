import { orgProcedure, router } from '../trpc';
import { adoptProposal, dismissProposal, revertProposal } from '../../rsi/adopt';
import { adoptionNotice, improvementsPageUrl } from '../../rsi/notice';
import { getOrganization } from '../../services/orgs';
import { getProposal, getRsiSettings, latestCalibration, listProposals, listReports, queueManualReport, reportObservations, setReportJob, setRsiSettings, userDisplayName } from '../../services/rsi';
import { enqueueNotice } from '../../../jobs/notify';
import { RSI_CYCLE_JOB, ZRsiCycleJob } from '../../../jobs/rsi';
import { ZRsiDismissInput, ZRsiObservationsInput, ZRsiProposalInput, ZRsiProposalsInput, ZRsiReportsInput, ZRsiSettingsInput } from './rsi.types';

/**
 * The Improvements page (issue 16, items 7–9): the self-improvement settings, the reporter's
 * reports and observations, proposals with their calibration figures, and what an admin does with
 * them — run a cycle now, adopt a proposal whose calibration passed, dismiss one, revert an
 * adopted one. Reads are open to members; everything that changes something needs an admin.
 */
export const rsiRouter = router({
  settings: orgProcedure.query(({ ctx }) => getRsiSettings(ctx.db, ctx.scope)),
  setSettings: orgProcedure.input(ZRsiSettingsInput).mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...settings } = input as typeof input & { orgId: string };
    return setRsiSettings(ctx.db, ctx.scope, settings);
  }),
  reports: orgProcedure.input(ZRsiReportsInput).query(({ ctx, input }) => listReports(ctx.db, ctx.scope, input)),
  observations: orgProcedure.input(ZRsiObservationsInput).query(({ ctx, input }) => reportObservations(ctx.db, ctx.scope, input)),
  proposals: orgProcedure.input(ZRsiProposalsInput).query(({ ctx, input }) => listProposals(ctx.db, ctx.scope, input)),
  /** Queues one cycle now (sent to a worker at once, or by the next schedule tick). */
  runNow: orgProcedure.mutation(async ({ ctx }) => {
    const boss = ctx.boss ?? null;
    const reportId = await queueManualReport(ctx.db, ctx.scope, { jobPending: !!boss });
    if (boss) {
      const jobId = await boss.send(RSI_CYCLE_JOB, ZRsiCycleJob.parse({ orgId: ctx.scope.orgId, reportId }));
      await setReportJob(ctx.db, { orgId: ctx.scope.orgId, reportId, jobId });
    }
    return { reportId };
  }),
  /** Adopts a proposal waiting for approval (its calibration passed); the chat hears about it. */
  adopt: orgProcedure.input(ZRsiProposalInput).mutation(async ({ ctx, input }) => {
    const r = await adoptProposal(ctx.db, ctx.scope, input);
    if (r.adopted && ctx.boss) {
      const p = await getProposal(ctx.db, { orgId: ctx.scope.orgId, proposalId: input.proposalId });
      const cal = p.kind === 'prompt' || p.kind === 'skill' ? await latestCalibration(ctx.db, { orgId: ctx.scope.orgId, proposalId: p.id }) : null;
      const org = await getOrganization(ctx.db, ctx.scope);
      const by = await userDisplayName(ctx.db, ctx.scope.userId);
      await enqueueNotice(ctx.boss, ctx.scope.orgId, adoptionNotice(p, { adoptedBy: `approved by ${by}`, verdict: cal?.verdict ?? p.statusReason ?? 'approved', url: improvementsPageUrl(org.slug) }));
    }
    return r;
  }),
  dismiss: orgProcedure.input(ZRsiDismissInput).mutation(({ ctx, input }) => dismissProposal(ctx.db, ctx.scope, input)),
  revert: orgProcedure.input(ZRsiProposalInput).mutation(({ ctx, input }) => revertProposal(ctx.db, ctx.scope, input)),
});
