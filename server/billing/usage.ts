import crypto from 'node:crypto';
import type Stripe from 'stripe';
import type { DB } from '../db/client';
import type { BillingConfig } from './config';
import { claimUsage, confirmUsageBatch, getBillingAccount, unconfirmedUsageBatches } from '../services/billing';

export type UsageReport = { orgId: string; reports: Array<{ reportId: string; tokens: number }>; skipped?: 'no-customer' };

/**
 * Sends an organisation's unreported tokens to Stripe as meter events. Safe to run again after a
 * crash: rows are first claimed under a report id, which is also the meter event's identifier,
 * so a resend of a claimed batch is deduplicated by Stripe rather than billed twice.
 */
export async function reportOrgUsage(db: DB, stripe: Stripe, config: Pick<BillingConfig, 'meterEventName'>, orgId: string): Promise<UsageReport> {
  const customerId = (await getBillingAccount(db, orgId))?.stripeCustomerId;
  if (!customerId) return { orgId, reports: [], skipped: 'no-customer' };

  // Step 1: batches claimed by an earlier attempt that never confirmed.
  const batches = await unconfirmedUsageBatches(db, orgId);

  // Step 2: claim everything new under a fresh report id.
  const claimed = await claimUsage(db, orgId, `nsu_${crypto.randomUUID()}`);
  if (claimed) batches.push(claimed);

  // Step 3: send, then confirm each batch.
  const reports: UsageReport['reports'] = [];
  for (const batch of batches) {
    await stripe.billing.meterEvents.create({
      event_name: config.meterEventName,
      identifier: batch.reportId,
      payload: { stripe_customer_id: customerId, value: String(batch.tokens) },
    });
    await confirmUsageBatch(db, orgId, batch.reportId);
    reports.push(batch);
  }
  return { orgId, reports };
}
