import { sql } from 'kysely';
import type { DB } from '../db/client';
import { isPlanId, type PlanId } from '../billing/plans';

// The billing rows of an organisation (account, processed webhook events, token usage) and the
// counts its plan limits are checked against. Stripe and the plan rules stay in server/billing.

export type BillingAccount = {
  orgId: string;
  plan: PlanId;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  status: string;
  currentPeriodEnd: Date | null;
  lastEventAt: Date | null;
};

export async function getBillingAccount(db: DB, orgId: string): Promise<BillingAccount | null> {
  const row = await db.selectFrom('billing_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return null;
  return {
    orgId: row.org_id,
    plan: isPlanId(row.plan) ? row.plan : 'free',
    stripeCustomerId: row.stripe_customer_id,
    stripeSubscriptionId: row.stripe_subscription_id,
    status: row.status,
    currentPeriodEnd: row.current_period_end,
    lastEventAt: row.last_event_at,
  };
}

export async function saveCustomerId(db: DB, orgId: string, customerId: string): Promise<void> {
  await db
    .insertInto('billing_accounts')
    .values({ org_id: orgId, stripe_customer_id: customerId })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ stripe_customer_id: customerId, updated_at: new Date() }))
    .execute();
}

/** Whether an organisation id (as read from a Stripe object's metadata) names an organisation. */
export async function orgExists(db: DB, orgId: string): Promise<boolean> {
  // A malformed id in metadata must not raise a uuid cast error.
  if (!/^[0-9a-f-]{36}$/i.test(orgId)) return false;
  return !!(await db.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst());
}

export async function findOrgByCustomerId(db: DB, customerId: string): Promise<string | null> {
  const row = await db.selectFrom('billing_accounts').select('org_id').where('stripe_customer_id', '=', customerId).executeTakeFirst();
  return row?.org_id ?? null;
}

export type SubscriptionState = {
  plan: PlanId;
  status: string;
  customerId: string | null;
  subscriptionId: string | null;
  currentPeriodEnd: Date | null;
  /** The Stripe event's `created`; older than the last applied one means it is ignored. */
  eventAt: Date;
};

/**
 * Stores a subscription change and mirrors the plan onto organizations.plan (which the rest of
 * the app reads). Returns false when a newer event was already applied.
 */
export async function applySubscriptionState(db: DB, orgId: string, s: SubscriptionState): Promise<boolean> {
  const current = await db.selectFrom('billing_accounts').select('last_event_at').where('org_id', '=', orgId).forUpdate().executeTakeFirst();
  if (current?.last_event_at && current.last_event_at.getTime() > s.eventAt.getTime()) return false;
  const values = {
    plan: s.plan,
    status: s.status,
    stripe_subscription_id: s.subscriptionId,
    current_period_end: s.currentPeriodEnd,
    last_event_at: s.eventAt,
    updated_at: new Date(),
    ...(s.customerId ? { stripe_customer_id: s.customerId } : {}),
  };
  await db
    .insertInto('billing_accounts')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
  await db.updateTable('organizations').set({ plan: s.plan }).where('id', '=', orgId).execute();
  return true;
}

export type WebhookProvider = 'stripe' | 'github' | 'slack';

/**
 * Records that an event id was handled; false when it already was. Call inside the transaction
 * that applies the event, so a failed apply leaves the event unclaimed for the provider's retry.
 */
export async function claimWebhookEvent(db: DB, provider: WebhookProvider, eventId: string, eventType: string): Promise<boolean> {
  const row = await db
    .insertInto('processed_webhook_events')
    .values({ provider, event_id: eventId, event_type: eventType })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return !!row;
}

/** Tokens used in the current calendar month (UTC), from usage records. */
export async function monthlyTokensUsed(db: DB, orgId: string, now = new Date()): Promise<number> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const row = await db
    .selectFrom('usage_records')
    .select(sql<string>`coalesce(sum(tokens), 0)`.as('total'))
    .where('org_id', '=', orgId)
    .where('recorded_at', '>=', start)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** People holding a seat: members, and unless `forAcceptance`, pending (unaccepted, unexpired) invitations. */
export async function seatsHeld(db: DB, orgId: string, opts: { forAcceptance?: boolean; now?: Date } = {}): Promise<{ members: number; pending: number }> {
  const members = await db.selectFrom('memberships').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const pending = opts.forAcceptance
    ? { n: '0' }
    : await db
        .selectFrom('invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('org_id', '=', orgId)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', opts.now ?? new Date())
        .executeTakeFirstOrThrow();
  return { members: Number(members.n), pending: Number(pending.n) };
}

/** Stores tokens an organisation's agents used; reported to Stripe later by the usage job. */
export async function recordTokenUsage(db: DB, input: { orgId: string; runId?: string | null; tokens: number }): Promise<void> {
  if (!Number.isInteger(input.tokens) || input.tokens < 0) throw new Error(`tokens must be a non-negative integer, got ${input.tokens}`);
  if (input.tokens === 0) return;
  await db.insertInto('usage_records').values({ org_id: input.orgId, run_id: input.runId ?? null, tokens: input.tokens }).execute();
}

export type UsageBatch = { reportId: string; tokens: number };

/** Usage batches claimed under a report id by an earlier attempt that never confirmed them. */
export async function unconfirmedUsageBatches(db: DB, orgId: string): Promise<UsageBatch[]> {
  const stale = await db
    .selectFrom('usage_records')
    .select(['report_id', sql<string>`sum(tokens)`.as('tokens')])
    .where('org_id', '=', orgId)
    .where('reported_at', 'is', null)
    .where('report_id', 'is not', null)
    .groupBy('report_id')
    .execute();
  return stale.map((b) => ({ reportId: b.report_id!, tokens: Number(b.tokens) }));
}

/** Claims every unclaimed usage row of the organisation under `reportId`; the batch, or null when there was none. */
export async function claimUsage(db: DB, orgId: string, reportId: string): Promise<UsageBatch | null> {
  const claimed = await db
    .updateTable('usage_records')
    .set({ report_id: reportId })
    .where('org_id', '=', orgId)
    .where('report_id', 'is', null)
    .returning('tokens')
    .execute();
  return claimed.length ? { reportId, tokens: claimed.reduce((n, r) => n + Number(r.tokens), 0) } : null;
}

/** Marks a batch as reported. */
export async function confirmUsageBatch(db: DB, orgId: string, reportId: string): Promise<void> {
  await db.updateTable('usage_records').set({ reported_at: new Date() }).where('org_id', '=', orgId).where('report_id', '=', reportId).execute();
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
