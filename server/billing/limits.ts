import type { DB } from '../db/client';
import { billingEnabled, type Env } from './config';
import { getBillingAccount, monthlyTokensUsed, seatsHeld } from '../services/billing';
import { PLANS, UNLIMITED, type PlanId, type PlanLimits } from './plans';

export type OrgPlanLimits = { plan: PlanId | 'self-hosted'; enforced: boolean; limits: PlanLimits };

/**
 * What the scheduler may allow an organisation. With billing off (no STRIPE_SECRET_KEY) nothing
 * is capped; with billing on, an organisation without a subscription is on the free plan.
 *
 * @example
 *   const { limits } = await getPlanLimits(db, orgId);
 *   if (runningAgents >= limits.concurrentAgents) leaveQueued();
 */
export async function getPlanLimits(db: DB, orgId: string, env: Env = process.env): Promise<OrgPlanLimits> {
  if (!billingEnabled(env)) return { plan: 'self-hosted', enforced: false, limits: UNLIMITED };
  const account = await getBillingAccount(db, orgId);
  const plan = account?.plan ?? 'free';
  return { plan, enforced: true, limits: PLANS[plan] };
}

export type TokenBudget = { allowed: boolean; used: number; limit: number };

/** Whether the organisation may start more model work this month. */
export async function checkTokenBudget(db: DB, orgId: string, env: Env = process.env): Promise<TokenBudget> {
  const { limits } = await getPlanLimits(db, orgId, env);
  const used = await monthlyTokensUsed(db, orgId);
  return { allowed: used < limits.monthlyTokens, used, limit: limits.monthlyTokens };
}

export type SeatCheck = { allowed: boolean; used: number; members: number; pending: number; limit: number };

/**
 * Whether one more person fits the plan. A seat is taken by a member and held by a pending
 * (unaccepted, unexpired) invitation, so an organisation cannot hand out more links than it has
 * seats. `forAcceptance` counts members only: the invitation being accepted already holds a seat.
 * A caller that has already read the plan passes it as `planLimits`, so it is not read twice.
 */
export async function checkSeatAvailable(
  db: DB,
  orgId: string,
  env: Env = process.env,
  opts: { forAcceptance?: boolean; now?: Date; planLimits?: OrgPlanLimits } = {},
): Promise<SeatCheck> {
  const { limits } = opts.planLimits ?? (await getPlanLimits(db, orgId, env));
  const { members, pending } = await seatsHeld(db, orgId, opts);
  const used = members + pending;
  return { allowed: used < limits.seats, used, members, pending, limit: limits.seats };
}

/** The message shown when a plan has no seat left: the numbers, and the two ways out. */
export function noSeatMessage(seats: SeatCheck, plan: string): string {
  const pending = seats.pending ? ` and ${seats.pending} pending invitation${seats.pending === 1 ? '' : 's'}` : '';
  return `The ${plan} plan includes ${seats.limit} seats and ${seats.members} member${seats.members === 1 ? '' : 's'}${pending} already use them; upgrade in Settings → Billing${seats.pending ? ' or revoke a pending invitation' : ' or remove a member'}`;
}
