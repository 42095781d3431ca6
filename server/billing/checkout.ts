import type Stripe from 'stripe';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import type { BillingConfig } from './config';
import { getBillingAccount, saveCustomerId } from '../services/billing';
import type { PaidPlanId } from './plans';

/**
 * Checkout Session parameters for a plan. Pure, so it is tested without Stripe. The org id rides
 * along as client_reference_id and metadata (also on the subscription) so webhooks can find the
 * organisation whatever event arrives first.
 */
export function buildCheckoutParams(input: {
  orgId: string;
  plan: PaidPlanId;
  customerId: string;
  config: Pick<BillingConfig, 'prices' | 'meteredPrice' | 'appUrl'>;
}): Stripe.Checkout.SessionCreateParams {
  const price = input.config.prices[input.plan];
  if (!price) throw new AppError('BAD_REQUEST', `The ${input.plan} plan has no Stripe price configured (set STRIPE_PRICE_${input.plan.toUpperCase()})`);
  const metadata = { orgId: input.orgId, plan: input.plan };
  return {
    mode: 'subscription',
    customer: input.customerId,
    client_reference_id: input.orgId,
    line_items: [
      { price, quantity: 1 },
      // Metered prices take no quantity: usage comes from meter events.
      ...(input.config.meteredPrice ? [{ price: input.config.meteredPrice }] : []),
    ],
    metadata,
    subscription_data: { metadata },
    allow_promotion_codes: true,
    success_url: `${input.config.appUrl}/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${input.config.appUrl}/settings/billing?checkout=cancelled`,
  };
}

/** The organisation's Stripe customer, created on first need (idempotent per org at Stripe too). */
export async function ensureStripeCustomer(db: DB, stripe: Stripe, org: { id: string; name: string }): Promise<string> {
  const account = await getBillingAccount(db, org.id);
  if (account?.stripeCustomerId) return account.stripeCustomerId;
  const customer = await stripe.customers.create({ name: org.name, metadata: { orgId: org.id } }, { idempotencyKey: `nightshift-customer-${org.id}` });
  await saveCustomerId(db, org.id, customer.id);
  return customer.id;
}

export async function createCheckoutUrl(db: DB, stripe: Stripe, config: BillingConfig, org: { id: string; name: string }, plan: PaidPlanId): Promise<string> {
  const customerId = await ensureStripeCustomer(db, stripe, org);
  const session = await stripe.checkout.sessions.create(buildCheckoutParams({ orgId: org.id, plan, customerId, config }));
  if (!session.url) throw new AppError('INTERNAL_SERVER_ERROR', 'Stripe returned a Checkout session without a URL');
  return session.url;
}

/** The customer portal (change plan, card, cancel) for an organisation that has a customer. */
export async function createPortalUrl(db: DB, stripe: Stripe, config: BillingConfig, orgId: string): Promise<string> {
  const account = await getBillingAccount(db, orgId);
  if (!account?.stripeCustomerId) throw new AppError('BAD_REQUEST', 'This organization has no billing account yet: choose a plan first');
  const session = await stripe.billingPortal.sessions.create({ customer: account.stripeCustomerId, return_url: `${config.appUrl}/settings/billing` });
  return session.url;
}
