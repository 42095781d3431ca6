/** The plans an organisation can be on, and what each allows. */
export const PLAN_IDS = ['free', 'pro', 'team'] as const;
export type PlanId = (typeof PLAN_IDS)[number];
export type PaidPlanId = Exclude<PlanId, 'free'>;
export const PAID_PLAN_IDS = ['pro', 'team'] as const satisfies readonly PaidPlanId[];

export type PlanLimits = {
  /** Agent tasks running at the same time for the organisation (scheduler cap). */
  concurrentAgents: number;
  /** Members (memberships) the organisation may have. */
  seats: number;
  /** Model tokens (input + output) per calendar month (UTC). */
  monthlyTokens: number;
};

export const PLANS = {
  free: { concurrentAgents: 1, seats: 3, monthlyTokens: 2_000_000 },
  pro: { concurrentAgents: 5, seats: 10, monthlyTokens: 50_000_000 },
  team: { concurrentAgents: 20, seats: 50, monthlyTokens: 250_000_000 },
} as const satisfies Record<PlanId, PlanLimits>;

/** Self-hosted without Stripe: nothing is capped (Infinity compares correctly against any count). */
export const UNLIMITED: PlanLimits = { concurrentAgents: Infinity, seats: Infinity, monthlyTokens: Infinity };

export function isPlanId(v: unknown): v is PlanId {
  return typeof v === 'string' && (PLAN_IDS as readonly string[]).includes(v);
}

/**
 * Stripe subscription states that keep the paid plan. `past_due` keeps it while Stripe retries the
 * card (the dunning period); the rest drop the organisation to free.
 */
export const PAID_SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due'] as const;
