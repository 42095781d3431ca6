import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { AppError } from '../../errors/app-error';
import { getOrganization, requireRole } from '../../services/orgs';
import { ZChannelInput } from '../../notify/channel-input';
import { createChannel, deleteChannel, listChannels, setChannelEnabled } from '../../services/notification-channels';
import { dispatchNotice } from '../../notify/dispatch';
import { billingConfig } from '../../billing/config';
import { createStripeClient } from '../../billing/stripe-client';
import { createCheckoutUrl, createPortalUrl } from '../../billing/checkout';
import { getBillingAccount, monthlyTokensUsed } from '../../services/billing';
import { getPlanLimits } from '../../billing/limits';
import { PAID_PLAN_IDS } from '../../billing/plans';

/** Limits as JSON: Infinity (billing off) does not survive JSON, so "no limit" is null. */
function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function requireBilling() {
  const config = billingConfig();
  if (!config) throw new AppError('BAD_REQUEST', 'Billing is not enabled on this server (no STRIPE_SECRET_KEY): there are no plan limits to change');
  return config;
}

export const notificationChannelRouter = router({
  list: orgProcedure.query(({ ctx }) => listChannels(ctx.db, ctx.scope)),
  /** The webhook URL or bot token goes in encrypted and never comes back out. */
  create: orgProcedure.input(z.object({ channel: ZChannelInput })).mutation(({ ctx, input }) => createChannel(ctx.db, ctx.scope, input.channel)),
  setEnabled: orgProcedure
    .input(z.object({ channelId: ZId, enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setChannelEnabled(ctx.db, ctx.scope, input)),
  delete: orgProcedure.input(z.object({ channelId: ZId })).mutation(({ ctx, input }) => deleteChannel(ctx.db, ctx.scope, input)),
  /** Sends a "connected" message to one channel and says whether it arrived. */
  test: orgProcedure.input(z.object({ channelId: ZId })).mutation(async ({ ctx, input }) => {
    requireRole(ctx.scope, 'admin');
    const channels = await listChannels(ctx.db, ctx.scope);
    const channel = channels.find((c) => c.id === input.channelId);
    if (!channel) throw new AppError('NOT_FOUND', 'Channel not found');
    const [delivery] = await dispatchNotice(ctx.db, ctx.scope.orgId, { kind: 'channel.test', channelName: channel.name }, { channelId: channel.id });
    return delivery && 'error' in delivery ? { ok: false as const, error: delivery.error } : { ok: true as const };
  }),
});

export const billingRouter = router({
  status: orgProcedure.query(async ({ ctx }) => {
    requireRole(ctx.scope, 'admin');
    const { plan, enforced, limits } = await getPlanLimits(ctx.db, ctx.scope.orgId);
    const account = await getBillingAccount(ctx.db, ctx.scope.orgId);
    return {
      enabled: enforced,
      plan,
      status: account?.status ?? 'none',
      currentPeriodEnd: account?.currentPeriodEnd ?? null,
      hasCustomer: !!account?.stripeCustomerId,
      limits: { concurrentAgents: finite(limits.concurrentAgents), seats: finite(limits.seats), monthlyTokens: finite(limits.monthlyTokens) },
      tokensThisMonth: await monthlyTokensUsed(ctx.db, ctx.scope.orgId),
    };
  }),
  /** A Stripe Checkout URL for subscribing to a paid plan. */
  checkout: orgProcedure.input(z.object({ plan: z.enum(PAID_PLAN_IDS) })).mutation(async ({ ctx, input }) => {
    requireRole(ctx.scope, 'admin');
    const config = requireBilling();
    const org = await getOrganization(ctx.db, ctx.scope);
    return { url: await createCheckoutUrl(ctx.db, createStripeClient(config), config, org, input.plan) };
  }),
  /** A Stripe customer portal URL (change plan or card, cancel, invoices). */
  portal: orgProcedure.mutation(async ({ ctx }) => {
    requireRole(ctx.scope, 'admin');
    const config = requireBilling();
    return { url: await createPortalUrl(ctx.db, createStripeClient(config), config, ctx.scope.orgId) };
  }),
});

/** Mount as `integrations` in server/api/router.ts. */
export const integrationsRouter = router({
  channels: notificationChannelRouter,
  billing: billingRouter,
});
