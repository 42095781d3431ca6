import Stripe from 'stripe';
import type { BillingConfig } from './config';

/** The Stripe SDK retries idempotent-safe failures (network errors, 409, 5xx) this many times. */
export const STRIPE_NETWORK_RETRIES = 2;

/**
 * A Stripe client; `apiBaseUrl` (e.g. http://127.0.0.1:12111) sends it to a local server instead
 * of api.stripe.com, which is how tests and stripe-mock are used.
 */
export function createStripeClient(config: Pick<BillingConfig, 'secretKey' | 'apiBaseUrl'>): Stripe {
  const target = config.apiBaseUrl ? new URL(config.apiBaseUrl) : null;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: STRIPE_NETWORK_RETRIES,
    telemetry: false,
    appInfo: { name: 'Nightshift' },
    ...(target
      ? {
          host: target.hostname,
          port: target.port || (target.protocol === 'http:' ? 80 : 443),
          protocol: target.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}
