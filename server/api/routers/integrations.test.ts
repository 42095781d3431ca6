import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../trpc';
import type { Context } from '../context';
import { integrationsRouter } from './integrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { createUser } from '../../services/users';
import { createOrganization } from '../../services/orgs';
import { startLocalReceiver, type LocalReceiver } from '../../notify/testing/local-receiver';
import { errorCode, userContext } from '../../../test/support/trpc';

const createCaller = createCallerFactory(integrationsRouter);
let t: TestDatabase;
let discord: LocalReceiver;
const ids: Record<string, string> = {};

const ctx = (userId: string): Context => userContext(t.db, userId);

const code = errorCode;

beforeAll(async () => {
  t = await createTestDatabase('integ');
  delete process.env.STRIPE_SECRET_KEY;
  discord = await startLocalReceiver(() => ({ status: 204 }));
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@i.test', password: 'password-123' });
  const outsider = await createUser(t.db, { name: 'Out', email: 'x@i.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Integ', ownerId: owner.id });
  await createOrganization(t.db, { name: 'Elsewhere', ownerId: outsider.id });
  const member = await createUser(t.db, { name: 'Mem', email: 'm@i.test', password: 'password-123' });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member' }).execute();
  Object.assign(ids, { owner: owner.id, outsider: outsider.id, member: member.id, orgId: org.id });
});

afterAll(async () => {
  await discord?.close();
  await t?.close();
});

describe('integrations router', () => {
  it('lets an admin add, test and list channels without ever returning the webhook URL', async () => {
    const api = createCaller(ctx(ids.owner!));
    const url = `${discord.url}/api/webhooks/42/very-secret-token`;
    const ch = await api.channels.create({ orgId: ids.orgId!, channel: { kind: 'discord-webhook', name: 'alerts', webhookUrl: url } });
    expect(await api.channels.test({ orgId: ids.orgId!, channelId: ch.id })).toEqual({ ok: true });
    expect(JSON.parse(discord.requests[0]!.body).embeds[0].title).toBe('Nightshift is connected to alerts');
    const list = await api.channels.list({ orgId: ids.orgId! });
    expect(list.map((c) => c.name)).toEqual(['alerts']);
    expect(JSON.stringify(list)).not.toContain('very-secret-token');
    expect(await code(api.channels.create({ orgId: ids.orgId!, channel: { kind: 'discord-webhook', name: 'alerts', webhookUrl: url } }))).toBe('CONFLICT');
    ids.channelId = ch.id;
  });

  it('refuses members and outsiders', async () => {
    const member = createCaller(ctx(ids.member!));
    expect(await code(member.channels.list({ orgId: ids.orgId! }))).toBe('FORBIDDEN');
    expect(await code(member.billing.status({ orgId: ids.orgId! }))).toBe('FORBIDDEN');
    const outsider = createCaller(ctx(ids.outsider!));
    expect(await code(outsider.channels.delete({ orgId: ids.orgId!, channelId: ids.channelId! }))).toBe('FORBIDDEN');
    const outsiderOrg = await t.db.selectFrom('organizations').select('id').where('name', '=', 'Elsewhere').executeTakeFirstOrThrow();
    // Their own org id with our channel id: not found, and our channel survives.
    expect(await code(outsider.channels.delete({ orgId: outsiderOrg.id, channelId: ids.channelId! }))).toBe('NOT_FOUND');
    expect(await t.db.selectFrom('notification_channels').select('id').where('id', '=', ids.channelId!).execute()).toHaveLength(1);
  });

  it('reports billing as off, with no limits, and refuses checkout without Stripe', async () => {
    const api = createCaller(ctx(ids.owner!));
    const status = await api.billing.status({ orgId: ids.orgId! });
    expect(status).toMatchObject({ enabled: false, plan: 'self-hosted', limits: { concurrentAgents: null, seats: null, monthlyTokens: null } });
    expect(await code(api.billing.checkout({ orgId: ids.orgId!, plan: 'pro' }))).toBe('BAD_REQUEST');
    expect(await code(api.billing.portal({ orgId: ids.orgId! }))).toBe('BAD_REQUEST');
  });
});
