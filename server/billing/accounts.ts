import type { DB } from '../db/client';
import { isPlanId, type PlanId } from './plans';

// Billing rows per organisation. Kept beside billing/ (its only user) with tenancy in every query.

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
