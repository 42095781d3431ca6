import crypto from 'node:crypto';
import { sql } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '../db/client';
import type { BillingConfig } from './config';

/** Stores tokens an organisation's agents used; reported to Stripe later by the usage job. */
export async function recordTokenUsage(db: DB, input: { orgId: string; runId?: string | null; tokens: number }): Promise<void> {
  if (!Number.isInteger(input.tokens) || input.tokens < 0) throw new Error(`tokens must be a non-negative integer, got ${input.tokens}`);
  if (input.tokens === 0) return;
  await db.insertInto('usage_records').values({ org_id: input.orgId, run_id: input.runId ?? null, tokens: input.tokens }).execute();
}

export type UsageReport = { orgId: string; reports: Array<{ reportId: string; tokens: number }>; skipped?: 'no-customer' };

/**
 * Sends an organisation's unreported tokens to Stripe as meter events. Safe to run again after a
 * crash: rows are first claimed under a report id, which is also the meter event's identifier,
 * so a resend of a claimed batch is deduplicated by Stripe rather than billed twice.
 */
export async function reportOrgUsage(db: DB, stripe: Stripe, config: Pick<BillingConfig, 'meterEventName'>, orgId: string): Promise<UsageReport> {
  const account = await db.selectFrom('billing_accounts').select('stripe_customer_id').where('org_id', '=', orgId).executeTakeFirst();
  const customerId = account?.stripe_customer_id;
  if (!customerId) return { orgId, reports: [], skipped: 'no-customer' };

  // Step 1: batches claimed by an earlier attempt that never confirmed.
  const stale = await db
    .selectFrom('usage_records')
    .select(['report_id', sql<string>`sum(tokens)`.as('tokens')])
    .where('org_id', '=', orgId)
    .where('reported_at', 'is', null)
    .where('report_id', 'is not', null)
    .groupBy('report_id')
    .execute();
  const batches = stale.map((b) => ({ reportId: b.report_id!, tokens: Number(b.tokens) }));

  // Step 2: claim everything new under a fresh report id.
  const reportId = `nsu_${crypto.randomUUID()}`;
  const claimed = await db
    .updateTable('usage_records')
    .set({ report_id: reportId })
    .where('org_id', '=', orgId)
    .where('report_id', 'is', null)
    .returning('tokens')
    .execute();
  if (claimed.length) batches.push({ reportId, tokens: claimed.reduce((n, r) => n + Number(r.tokens), 0) });

  // Step 3: send, then confirm each batch.
  const reports: UsageReport['reports'] = [];
  for (const batch of batches) {
    await stripe.billing.meterEvents.create({
      event_name: config.meterEventName,
      identifier: batch.reportId,
      payload: { stripe_customer_id: customerId, value: String(batch.tokens) },
    });
    await db.updateTable('usage_records').set({ reported_at: new Date() }).where('org_id', '=', orgId).where('report_id', '=', batch.reportId).execute();
    reports.push(batch);
  }
  return { orgId, reports };
}

/** Organisations with tokens not yet reported and a Stripe customer to bill. */
export async function orgsWithUnreportedUsage(db: DB): Promise<string[]> {
  const rows = await db
    .selectFrom('usage_records')
    .innerJoin('billing_accounts', 'billing_accounts.org_id', 'usage_records.org_id')
    .select('usage_records.org_id')
    .where('usage_records.reported_at', 'is', null)
    .where('billing_accounts.stripe_customer_id', 'is not', null)
    .distinct()
    .execute();
  return rows.map((r) => r.org_id);
}
