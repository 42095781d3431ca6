import { sql } from 'kysely';
import type { DB } from '../db/client';
import { billingEnabled, type Env } from './config';
import { getBillingAccount } from './accounts';
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

export type TokenBudget = { allowed: boolean; used: number; limit: number };

/** Whether the organisation may start more model work this month. */
export async function checkTokenBudget(db: DB, orgId: string, env: Env = process.env): Promise<TokenBudget> {
  const { limits } = await getPlanLimits(db, orgId, env);
  const used = await monthlyTokensUsed(db, orgId);
  return { allowed: used < limits.monthlyTokens, used, limit: limits.monthlyTokens };
}

/** Whether one more member fits the plan (for invitations). */
export async function checkSeatAvailable(db: DB, orgId: string, env: Env = process.env): Promise<{ allowed: boolean; used: number; limit: number }> {
  const { limits } = await getPlanLimits(db, orgId, env);
  const row = await db.selectFrom('memberships').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const used = Number(row.n);
  return { allowed: used < limits.seats, used, limit: limits.seats };
}
