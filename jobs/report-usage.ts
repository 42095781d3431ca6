import { z } from 'zod';
import type { JobDefinition } from './definition';
import { getLogger } from '../server/observability/logger';
import type { DB } from '../server/db/client';
import { billingConfig, type Env } from '../server/billing/config';
import { createStripeClient } from '../server/billing/stripe-client';
import { reportOrgUsage, type UsageReport } from '../server/billing/usage';
import { orgsWithUnreportedUsage } from '../server/services/billing';

export const REPORT_USAGE_JOB = 'report-usage';
/** Hourly: Stripe meters accept events up to 35 days old, so the cadence only sets invoice freshness. */
export const REPORT_USAGE_CRON = '15 * * * *';

/** Reports every organisation's unreported tokens; a no-op when billing is off. */
export async function reportAllUsage(db: DB, env: Env = process.env): Promise<UsageReport[] | { skipped: 'billing-off' }> {
  const config = billingConfig(env);
  if (!config) return { skipped: 'billing-off' };
  const stripe = createStripeClient(config);
  const out: UsageReport[] = [];
  // One organisation failing (deleted customer) must not block the others; it is retried next hour.
  for (const orgId of await orgsWithUnreportedUsage(db)) {
    try {
      out.push(await reportOrgUsage(db, stripe, config, orgId));
    } catch (err) {
      getLogger({ component: 'report-usage', orgId }).error({ err }, `usage report failed: ${(err as Error).message}`);
    }
  }
  return out;
}

export const reportUsageJob = {
  id: REPORT_USAGE_JOB,
  payload: z.object({}).passthrough(),
  cron: REPORT_USAGE_CRON,
  queue: { retryLimit: 2, expireInSeconds: 900 },
  async handler(_data, ctx) {
    return reportAllUsage(ctx.db);
  },
} satisfies JobDefinition;
