import crypto from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { handleWebhook } from '../http/webhooks';
import { startHandlerServer, startLocalReceiver, type LocalReceiver } from '../notify/testing/local-receiver';
import { billingConfig, type BillingConfig } from './config';
import { createStripeClient } from './stripe-client';
import { buildCheckoutParams, createCheckoutUrl, createPortalUrl } from './checkout';
import { getPlanLimits, checkSeatAvailable, checkTokenBudget } from './limits';
import { PLANS } from './plans';
import { reportOrgUsage } from './usage';
import { recordTokenUsage } from '../services/billing';
import { reportAllUsage } from '../../jobs/report-usage';
import { AppError } from '../errors/app-error';
import { acceptInvitation, createInvitation } from '../services/members';
import { hashToken } from '../auth/crypto';

const WHSEC = 'whsec_test_nightshift';
const PRICE_PRO = 'price_pro_123';
const PRICE_TEAM = 'price_team_456';
let t: TestDatabase;
let webhookServer: { url: string; close(): Promise<void> };
let stripeApi: LocalReceiver;
let env: NodeJS.ProcessEnv;
let ownerId: string;

async function newOrg(name: string) {
  return createOrganization(t.db, { name, ownerId });
}

/** A Stripe event body the way Stripe sends it. */
function stripeEvent(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) {
  return { id: `evt_${crypto.randomBytes(8).toString('hex')}`, object: 'event', api_version: '2026-10-28.endive', created, livemode: false, type, data: { object } };
}

async function post(body: string, signature?: string) {
  const res = await fetch(`${webhookServer.url}/api/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function postSigned(event: object) {
  const payload = JSON.stringify(event);
  return post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC }));
}

function subscription(over: { id?: string; customer: string; status?: string; price?: string; metadata?: Record<string, string> }) {
  return {
    id: over.id ?? 'sub_1',
    object: 'subscription',
    customer: over.customer,
    status: over.status ?? 'active',
    metadata: over.metadata ?? {},
    items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', current_period_end: 1893456000, price: { id: over.price ?? PRICE_PRO, object: 'price' } }] },
  };
}

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

beforeAll(async () => {
  t = await createTestDatabase('billing');
  ownerId = (await createUser(t.db, { name: 'Bill', email: 'bill@n.test', password: 'password-123' })).id;
  let customerSeq = 0;
  stripeApi = await startLocalReceiver((req) => {
    const p = form(req.body);
    switch (req.path) {
      case '/v1/customers':
        customerSeq += 1;
        return { status: 200, body: { id: `cus_test_${customerSeq}`, object: 'customer', name: p.name, metadata: { orgId: p['metadata[orgId]'] } } };
      case '/v1/checkout/sessions':
        return { status: 200, body: { id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.stripe.test/c/pay/cs_test_1', mode: 'subscription' } };
      case '/v1/billing_portal/sessions':
        return { status: 200, body: { id: 'bps_1', object: 'billing_portal.session', url: `https://billing.stripe.test/p/session/${p.customer}` } };
      case '/v1/billing/meter_events':
        return { status: 200, body: { object: 'billing.meter_event', event_name: p.event_name, identifier: p.identifier, payload: { stripe_customer_id: p['payload[stripe_customer_id]'], value: p['payload[value]'] }, created: 1, livemode: false, timestamp: 1 } };
      default:
        return { status: 404, body: { error: { type: 'invalid_request_error', message: `no route ${req.path}` } } };
    }
  });
  env = {
    ...process.env,
    STRIPE_SECRET_KEY: 'sk_test_nightshift',
    STRIPE_WEBHOOK_SECRET: WHSEC,
    STRIPE_PRICE_PRO: PRICE_PRO,
    STRIPE_PRICE_TEAM: PRICE_TEAM,
    STRIPE_PRICE_TOKENS: 'price_tokens_metered',
    STRIPE_API_BASE_URL: stripeApi.url,
    NEXTAUTH_URL: 'https://nightshift.example',
  };
  webhookServer = await startHandlerServer((req, res) => handleWebhook(req, res, { db: t.db, env }));
});

afterAll(async () => {
  await webhookServer?.close();
  await stripeApi?.close();
  await t?.close();
});

describe('plan limits', () => {
  it('are off without STRIPE_SECRET_KEY, free without a subscription when billing is on', async () => {
    const org = await newOrg('Limits');
    const off = await getPlanLimits(t.db, org.id, {});
    expect(off).toMatchObject({ plan: 'self-hosted', enforced: false });
    expect(off.limits.concurrentAgents).toBe(Infinity);
    expect(await getPlanLimits(t.db, org.id, env)).toEqual({ plan: 'free', enforced: true, limits: PLANS.free });
  });

  it('cap monthly tokens by plan', async () => {
    const org = await newOrg('Tokens');
    await recordTokenUsage(t.db, { orgId: org.id, tokens: PLANS.free.monthlyTokens - 1 });
    expect(await checkTokenBudget(t.db, org.id, env)).toEqual({ allowed: true, used: PLANS.free.monthlyTokens - 1, limit: PLANS.free.monthlyTokens });
    await recordTokenUsage(t.db, { orgId: org.id, tokens: 1 });
    expect((await checkTokenBudget(t.db, org.id, env)).allowed).toBe(false);
    expect((await checkTokenBudget(t.db, org.id, {})).allowed).toBe(true);
  });
});

describe('seats', () => {
  it('count memberships against the plan', async () => {
    const org = await newOrg('Seats');
    expect(await checkSeatAvailable(t.db, org.id, env)).toEqual({ allowed: true, used: 1, members: 1, pending: 0, limit: PLANS.free.seats });
    for (let i = 1; i < PLANS.free.seats; i++) {
      const u = await t.db.insertInto('users').values({ email: `seat${i}-${org.id}@n.test`, name: `S${i}` }).returning('id').executeTakeFirstOrThrow();
      await t.db.insertInto('memberships').values({ org_id: org.id, user_id: u.id, role: 'member' }).execute();
    }
    expect(await checkSeatAvailable(t.db, org.id, env)).toEqual({ allowed: false, used: PLANS.free.seats, members: PLANS.free.seats, pending: 0, limit: PLANS.free.seats });
    expect((await checkSeatAvailable(t.db, org.id, {})).allowed).toBe(true);
  });

  it('are held by pending invitations: no link beyond the plan, and a link accepted after a downgrade is refused', async () => {
    const org = await newOrg('Invites');
    const owner = { orgId: org.id, userId: ownerId, role: 'owner' as const };
    const links = [];
    for (let i = 1; i < PLANS.free.seats; i++) links.push(await createInvitation(t.db, owner, { role: 'member' }, env));
    // Members (1) + pending (seats - 1) fill the plan: one more link is refused with the numbers and the ways out.
    const refused = await createInvitation(t.db, owner, { role: 'member' }, env).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('FORBIDDEN');
    expect((refused as AppError).userMessage).toBe(
      `The free plan includes ${PLANS.free.seats} seats and 1 member and ${PLANS.free.seats - 1} pending invitations already use them; upgrade in Settings → Billing or revoke a pending invitation`,
    );
    expect(await t.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toHaveLength(PLANS.free.seats - 1);
    // Self-hosted (billing off) has no seat limit.
    await createInvitation(t.db, owner, { role: 'member' }, {});

    // A pending link accepts into the seat it held.
    const joiner = await createUser(t.db, { email: `joiner-${org.id}@n.test`, name: 'Joiner', password: 'long-enough-password' });
    expect(await acceptInvitation(t.db, { token: links[0].token, userId: joiner.id }, env)).toMatchObject({ orgId: org.id });

    // Seats taken by members alone (as after a downgrade): the remaining link no longer gets in, and nothing changes.
    const extra = await createUser(t.db, { email: `extra-${org.id}@n.test`, name: 'Extra', password: 'long-enough-password' });
    await t.db.insertInto('memberships').values({ org_id: org.id, user_id: extra.id, role: 'member' }).execute();
    const late = await createUser(t.db, { email: `late-${org.id}@n.test`, name: 'Late', password: 'long-enough-password' });
    const lateErr = await acceptInvitation(t.db, { token: links[1].token, userId: late.id }, env).catch((e: unknown) => e);
    expect((lateErr as AppError).code).toBe('FORBIDDEN');
    expect(await t.db.selectFrom('memberships').select('user_id').where('org_id', '=', org.id).where('user_id', '=', late.id).executeTakeFirst()).toBeUndefined();
    const inv = await t.db.selectFrom('invitations').select('accepted_at').where('token_hash', '=', hashToken(links[1].token)).executeTakeFirstOrThrow();
    expect(inv.accepted_at).toBeNull();
  });
});

describe('Stripe webhook /api/webhooks/stripe', () => {
  it('answers 400 to unsigned and wrongly signed events and applies nothing', async () => {
    const org = await newOrg('Unsigned');
    const event = stripeEvent('checkout.session.completed', { id: 'cs_x', object: 'checkout.session', mode: 'subscription', client_reference_id: org.id, customer: 'cus_u', subscription: 'sub_u', metadata: { orgId: org.id, plan: 'team' } });
    const payload = JSON.stringify(event);
    expect((await post(payload)).status).toBe(400);
    expect((await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' }))).status).toBe(400);
    const tampered = Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC });
    expect((await post(payload.replace('"team"', '"pro"'), tampered)).status).toBe(400);
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await post(payload, stale)).status).toBe(400);
    expect(await getPlanLimits(t.db, org.id, env)).toMatchObject({ plan: 'free' });
    expect(await t.db.selectFrom('processed_webhook_events').selectAll().where('event_id', '=', event.id).execute()).toEqual([]);
  });

  it('applies checkout.session.completed once: a redelivery is acknowledged and skipped', async () => {
    const org = await newOrg('Checkout');
    const event = stripeEvent('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', mode: 'subscription', client_reference_id: org.id, customer: 'cus_checkout', subscription: 'sub_checkout', metadata: { orgId: org.id, plan: 'pro' } });
    expect(await postSigned(event)).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    const after1 = await t.db.selectFrom('billing_accounts').selectAll().where('org_id', '=', org.id).executeTakeFirstOrThrow();
    expect(after1).toMatchObject({ plan: 'pro', status: 'active', stripe_customer_id: 'cus_checkout', stripe_subscription_id: 'sub_checkout' });
    expect((await t.db.selectFrom('organizations').select('plan').where('id', '=', org.id).executeTakeFirstOrThrow()).plan).toBe('pro');
    expect(await getPlanLimits(t.db, org.id, env)).toEqual({ plan: 'pro', enforced: true, limits: PLANS.pro });

    expect(await postSigned(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    const after2 = await t.db.selectFrom('billing_accounts').selectAll().where('org_id', '=', org.id).executeTakeFirstOrThrow();
    expect(after2.updated_at.getTime()).toBe(after1.updated_at.getTime());
    expect(await t.db.selectFrom('processed_webhook_events').select('event_type').where('event_id', '=', event.id).execute()).toEqual([{ event_type: 'checkout.session.completed' }]);
  });

  it('follows subscription updates (plan from the price), cancellation and deletion', async () => {
    const org = await newOrg('Subscription');
    const base = Math.floor(Date.now() / 1000);
    await postSigned(stripeEvent('checkout.session.completed', { id: 'cs_2', object: 'checkout.session', mode: 'subscription', client_reference_id: org.id, customer: 'cus_sub', subscription: 'sub_2', metadata: { plan: 'pro' } }, base));
    expect((await postSigned(stripeEvent('customer.subscription.updated', subscription({ id: 'sub_2', customer: 'cus_sub', price: PRICE_TEAM }), base + 10))).body.outcome).toBe('applied');
    const team = await t.db.selectFrom('billing_accounts').selectAll().where('org_id', '=', org.id).executeTakeFirstOrThrow();
    expect(team).toMatchObject({ plan: 'team', status: 'active' });
    expect(team.current_period_end?.toISOString()).toBe('2030-01-01T00:00:00.000Z');

    // An older event delivered late does not undo the newer one.
    expect((await postSigned(stripeEvent('customer.subscription.updated', subscription({ id: 'sub_2', customer: 'cus_sub', price: PRICE_PRO }), base + 5))).body.outcome).toBe('stale');
    expect((await getPlanLimits(t.db, org.id, env)).plan).toBe('team');

    await postSigned(stripeEvent('customer.subscription.updated', subscription({ id: 'sub_2', customer: 'cus_sub', price: PRICE_TEAM, status: 'unpaid' }), base + 20));
    expect(await t.db.selectFrom('billing_accounts').select(['plan', 'status']).where('org_id', '=', org.id).executeTakeFirstOrThrow()).toEqual({ plan: 'free', status: 'unpaid' });

    await postSigned(stripeEvent('customer.subscription.updated', subscription({ id: 'sub_2', customer: 'cus_sub', price: PRICE_PRO }), base + 30));
    expect((await getPlanLimits(t.db, org.id, env)).plan).toBe('pro');
    await postSigned(stripeEvent('customer.subscription.deleted', subscription({ id: 'sub_2', customer: 'cus_sub', status: 'canceled' }), base + 40));
    expect(await t.db.selectFrom('billing_accounts').select(['plan', 'status']).where('org_id', '=', org.id).executeTakeFirstOrThrow()).toEqual({ plan: 'free', status: 'canceled' });
    expect((await t.db.selectFrom('organizations').select('plan').where('id', '=', org.id).executeTakeFirstOrThrow()).plan).toBe('free');
  });

  it('acknowledges events for unknown customers and types it does not handle', async () => {
    expect((await postSigned(stripeEvent('customer.subscription.updated', subscription({ customer: 'cus_nobody' })))).body).toEqual({ received: true, outcome: 'unknown-organization' });
    expect((await postSigned(stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice' }))).body).toEqual({ received: true, outcome: 'ignored-type' });
  });

  it('answers 503 when STRIPE_WEBHOOK_SECRET is not configured', async () => {
    const bare = await startHandlerServer((req, res) => handleWebhook(req, res, { db: t.db, env: {} }));
    try {
      const res = await fetch(`${bare.url}/api/webhooks/stripe`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe('Checkout and customer portal against a local Stripe API', () => {
  it('builds subscription Checkout params with the org id and the metered price', () => {
    const config = billingConfig(env)!;
    const params = buildCheckoutParams({ orgId: 'org-1', plan: 'team', customerId: 'cus_1', config });
    expect(params).toMatchObject({
      mode: 'subscription',
      customer: 'cus_1',
      client_reference_id: 'org-1',
      line_items: [{ price: PRICE_TEAM, quantity: 1 }, { price: 'price_tokens_metered' }],
      metadata: { orgId: 'org-1', plan: 'team' },
      subscription_data: { metadata: { orgId: 'org-1', plan: 'team' } },
      success_url: 'https://nightshift.example/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
    });
    expect(() => buildCheckoutParams({ orgId: 'o', plan: 'pro', customerId: 'c', config: { ...config, prices: {} } })).toThrow(AppError);
  });

  it('creates the customer once, then Checkout and portal sessions, over real HTTP', async () => {
    const org = await newOrg('Buyer');
    const config = billingConfig(env) as BillingConfig;
    const stripe = createStripeClient(config);
    stripeApi.requests.length = 0;
    const url = await createCheckoutUrl(t.db, stripe, config, org, 'pro');
    expect(url).toBe('https://checkout.stripe.test/c/pay/cs_test_1');
    await createCheckoutUrl(t.db, stripe, config, org, 'team');
    expect(stripeApi.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/customers', 'POST /v1/checkout/sessions', 'POST /v1/checkout/sessions']);
    expect(stripeApi.requests.every((r) => r.headers.authorization === 'Bearer sk_test_nightshift')).toBe(true);
    expect(stripeApi.requests[0]!.headers['idempotency-key']).toBe(`nightshift-customer-${org.id}`);
    expect(form(stripeApi.requests[0]!.body)).toMatchObject({ name: 'Buyer', 'metadata[orgId]': org.id });
    const session = form(stripeApi.requests[1]!.body);
    const customerId = (await t.db.selectFrom('billing_accounts').select('stripe_customer_id').where('org_id', '=', org.id).executeTakeFirstOrThrow()).stripe_customer_id;
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: customerId!,
      client_reference_id: org.id,
      'line_items[0][price]': PRICE_PRO,
      'line_items[0][quantity]': '1',
      'line_items[1][price]': 'price_tokens_metered',
      'metadata[plan]': 'pro',
      'subscription_data[metadata][orgId]': org.id,
    });
    expect(form(stripeApi.requests[2]!.body)['line_items[0][price]']).toBe(PRICE_TEAM);

    const portal = await createPortalUrl(t.db, stripe, config, org.id);
    expect(portal).toBe(`https://billing.stripe.test/p/session/${customerId}`);
    expect(form(stripeApi.requests[3]!.body)).toEqual({ customer: customerId, return_url: 'https://nightshift.example/settings/billing' });

    const noCustomer = await newOrg('NoCustomer');
    await expect(createPortalUrl(t.db, stripe, config, noCustomer.id)).rejects.toThrow(/choose a plan first/);
  });
});

describe('metered token usage', () => {
  it('reports unreported tokens per organisation once, as a meter event for its customer', async () => {
    const org = await newOrg('Metered');
    await t.db.insertInto('billing_accounts').values({ org_id: org.id, stripe_customer_id: 'cus_metered' }).execute();
    await recordTokenUsage(t.db, { orgId: org.id, tokens: 1500 });
    await recordTokenUsage(t.db, { orgId: org.id, tokens: 250, runId: crypto.randomUUID() });
    stripeApi.requests.length = 0;
    const results = await reportAllUsage(t.db, env);
    expect(Array.isArray(results) && results.find((r) => r.orgId === org.id)?.reports.map((r) => r.tokens)).toEqual([1750]);
    const meter = stripeApi.requests.filter((r) => r.path === '/v1/billing/meter_events').map((r) => form(r.body));
    const mine = meter.find((m) => m['payload[stripe_customer_id]'] === 'cus_metered')!;
    expect(mine).toMatchObject({ event_name: 'nightshift_tokens', 'payload[value]': '1750' });
    expect(mine.identifier).toMatch(/^nsu_/);

    // Nothing new: nothing sent.
    stripeApi.requests.length = 0;
    expect((await reportOrgUsage(t.db, createStripeClient(billingConfig(env)!), billingConfig(env)!, org.id)).reports).toEqual([]);
    expect(stripeApi.requests).toHaveLength(0);
  });

  it('resends a batch claimed by a crashed attempt under the same identifier (Stripe dedupes it)', async () => {
    const org = await newOrg('Crashed');
    await t.db.insertInto('billing_accounts').values({ org_id: org.id, stripe_customer_id: 'cus_crashed' }).execute();
    await recordTokenUsage(t.db, { orgId: org.id, tokens: 400 });
    // A previous attempt claimed the row and died before confirming.
    await t.db.updateTable('usage_records').set({ report_id: 'nsu_previous' }).where('org_id', '=', org.id).execute();
    await recordTokenUsage(t.db, { orgId: org.id, tokens: 60 });
    stripeApi.requests.length = 0;
    const config = billingConfig(env)!;
    const report = await reportOrgUsage(t.db, createStripeClient(config), config, org.id);
    expect(report.reports[0]).toEqual({ reportId: 'nsu_previous', tokens: 400 });
    expect(report.reports[1]?.tokens).toBe(60);
    expect(stripeApi.requests.map((r) => [form(r.body).identifier, form(r.body)['payload[value]']])).toEqual([
      ['nsu_previous', '400'],
      [report.reports[1]!.reportId, '60'],
    ]);
    const left = await t.db.selectFrom('usage_records').select('id').where('org_id', '=', org.id).where('reported_at', 'is', null).execute();
    expect(left).toEqual([]);
  });

  it('does nothing when billing is off', async () => {
    expect(await reportAllUsage(t.db, {})).toEqual({ skipped: 'billing-off' });
  });
});
