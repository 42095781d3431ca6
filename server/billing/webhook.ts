import Stripe from 'stripe';
import type { DB } from '../db/client';
import { applySubscriptionState, claimWebhookEvent, findOrgByCustomerId, orgExists } from '../services/billing';
import { billingConfig, type BillingConfig, type Env } from './config';
import { isPlanId, PAID_SUBSCRIPTION_STATUSES, type PlanId } from './plans';

/** Stripe's default: a signed timestamp older than this is refused (replays). */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export type WebhookAnswer = { status: number; body: Record<string, unknown> };

/**
 * `/api/webhooks/stripe`: verifies the Stripe-Signature header with STRIPE_WEBHOOK_SECRET, then
 * applies the event once (a redelivery of the same event id is acknowledged and skipped).
 */
export async function handleStripeWebhook(db: DB, rawBody: string, signature: string | undefined, env: Env = process.env, log: (m: string) => void = () => {}): Promise<WebhookAnswer> {
  const secret = env.STRIPE_WEBHOOK_SECRET;
  if (!secret) return { status: 503, body: { error: 'Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is not set)' } };
  if (!signature) return { status: 400, body: { error: 'missing Stripe-Signature header' } };
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, STRIPE_SIGNATURE_TOLERANCE_SECONDS);
  } catch (err) {
    return { status: 400, body: { error: `invalid Stripe signature: ${(err as Error).message}` } };
  }
  const config = billingConfig(env);
  // Claim and apply in one transaction: if applying fails, the claim rolls back and Stripe's
  // retry gets a fresh chance instead of being skipped as a duplicate.
  return db.transaction().execute(async (trx) => {
    const fresh = await claimWebhookEvent(trx, 'stripe', event.id, event.type);
    if (!fresh) return { status: 200, body: { received: true, duplicate: true } };
    const outcome = await applyStripeEvent(trx, event, config);
    if (outcome !== 'applied') log(`stripe webhook ${event.type} ${event.id}: ${outcome}`);
    return { status: 200, body: { received: true, outcome } };
  });
}

export type ApplyOutcome = 'applied' | 'ignored-type' | 'unknown-organization' | 'stale';

export async function applyStripeEvent(db: DB, event: Stripe.Event, config: BillingConfig | null): Promise<ApplyOutcome> {
  const eventAt = new Date(event.created * 1000);
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (session.mode !== 'subscription') return 'ignored-type';
      const customerId = idOf(session.customer);
      const orgId = session.client_reference_id ?? session.metadata?.orgId ?? (customerId ? await findOrgByCustomerId(db, customerId) : null);
      if (!orgId || !(await orgExists(db, orgId))) return 'unknown-organization';
      const plan = isPlanId(session.metadata?.plan) ? session.metadata.plan : 'free';
      const ok = await applySubscriptionState(db, orgId, { plan, status: 'active', customerId, subscriptionId: idOf(session.subscription), currentPeriodEnd: null, eventAt });
      return ok ? 'applied' : 'stale';
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const sub = event.data.object;
      const customerId = idOf(sub.customer);
      const orgId = (customerId ? await findOrgByCustomerId(db, customerId) : null) ?? sub.metadata?.orgId ?? null;
      if (!orgId || !(await orgExists(db, orgId))) return 'unknown-organization';
      const deleted = event.type === 'customer.subscription.deleted';
      const status = deleted ? 'canceled' : sub.status;
      const keepsPlan = !deleted && (PAID_SUBSCRIPTION_STATUSES as readonly string[]).includes(sub.status);
      const plan: PlanId = keepsPlan ? planOfSubscription(sub, config) : 'free';
      const periodEnd = sub.items?.data?.[0]?.current_period_end;
      const ok = await applySubscriptionState(db, orgId, {
        plan,
        status,
        customerId,
        subscriptionId: sub.id,
        currentPeriodEnd: typeof periodEnd === 'number' ? new Date(periodEnd * 1000) : null,
        eventAt,
      });
      return ok ? 'applied' : 'stale';
    }
    default:
      return 'ignored-type';
  }
}

/** The plan a subscription pays for: its price ids decide (plans changed in the portal keep no metadata); metadata is the fallback. */
export function planOfSubscription(sub: Stripe.Subscription, config: Pick<BillingConfig, 'prices'> | null): PlanId {
  const priceIds = new Set((sub.items?.data ?? []).map((i) => i.price?.id).filter(Boolean));
  // Team first: a subscription carrying both prices is on the larger plan.
  if (config?.prices.team && priceIds.has(config.prices.team)) return 'team';
  if (config?.prices.pro && priceIds.has(config.prices.pro)) return 'pro';
  return isPlanId(sub.metadata?.plan) ? sub.metadata.plan : 'free';
}

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (!v) return null;
  return typeof v === 'string' ? v : v.id;
}
