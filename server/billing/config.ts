import type { PaidPlanId } from './plans';
import { httpPort, publicUrl } from '../config';

/** Environment variables (process.env, or a plain object in tests). */
export type Env = Record<string, string | undefined>;

/** Meter event name when STRIPE_METER_EVENT_NAME is not set. */
export const DEFAULT_METER_EVENT_NAME = 'nightshift_tokens';

export type BillingConfig = {
  secretKey: string;
  /** Price ids (price_…) of the recurring plan prices. */
  prices: Partial<Record<PaidPlanId, string>>;
  /** A metered price attached to every subscription so reported tokens are billed. */
  meteredPrice: string | null;
  meterEventName: string;
  /** Where the Stripe client sends requests (tests, stripe-mock); null for api.stripe.com. */
  apiBaseUrl: string | null;
  /** The app's public URL, for Checkout and portal return links. */
  appUrl: string;
};

/**
 * Billing is on when STRIPE_SECRET_KEY is set; otherwise null, and self-hosters get no limits.
 *
 * Env: STRIPE_SECRET_KEY, STRIPE_PRICE_PRO, STRIPE_PRICE_TEAM, STRIPE_PRICE_TOKENS (metered),
 * STRIPE_METER_EVENT_NAME, STRIPE_API_BASE_URL, NEXTAUTH_URL.
 */
export function billingConfig(env: Env = process.env): BillingConfig | null {
  const secretKey = env.STRIPE_SECRET_KEY?.trim();
  if (!secretKey) return null;
  return {
    secretKey,
    prices: {
      ...(env.STRIPE_PRICE_PRO ? { pro: env.STRIPE_PRICE_PRO } : {}),
      ...(env.STRIPE_PRICE_TEAM ? { team: env.STRIPE_PRICE_TEAM } : {}),
    },
    meteredPrice: env.STRIPE_PRICE_TOKENS || null,
    meterEventName: env.STRIPE_METER_EVENT_NAME || DEFAULT_METER_EVENT_NAME,
    apiBaseUrl: env.STRIPE_API_BASE_URL || null,
    appUrl: (env.NEXTAUTH_URL || publicUrl(httpPort())).replace(/\/+$/, ''),
  };
}

export function billingEnabled(env: Env = process.env): boolean {
  return billingConfig(env) !== null;
}
