import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import type { OrgScope } from '../services/scope';
import { createChannel, deleteChannel, listChannels } from '../services/notification-channels';
import { dispatchNotice } from './dispatch';
import { startHandlerServer, startLocalReceiver, type LocalReceiver } from './testing/local-receiver';
import { MAX_RATE_LIMIT_RETRIES } from './http-post';
import { signSlackRequest, verifySlackSignature, SLACK_REPLAY_WINDOW_SECONDS } from './slack-signature';
import { handleWebhook } from '../http/webhooks';
import { recordTokenUsage } from '../services/billing';
import { sendNightlyDigests } from '../../jobs/nightly-digest';
import { notifyJob } from '../../jobs/notify';
import type { JobContext } from '../../jobs/definition';

let t: TestDatabase;
let scope: OrgScope;
let orgName: string;
const receivers: LocalReceiver[] = [];

async function receiver(...args: Parameters<typeof startLocalReceiver>) {
  const r = await startLocalReceiver(...args);
  receivers.push(r);
  return r;
}

async function freshOrg(label: string): Promise<OrgScope> {
  const u = await createUser(t.db, { name: label, email: `${label}-${crypto.randomUUID()}@n.test`, password: 'password-123' });
  const org = await createOrganization(t.db, { name: `${label} Org`, ownerId: u.id });
  return { orgId: org.id, userId: u.id, role: 'owner' };
}

beforeAll(async () => {
  t = await createTestDatabase('notify');
  scope = await freshOrg('Main');
  orgName = 'Main Org';
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t?.close();
});

const runId = () => crypto.randomUUID();

describe('Slack incoming webhook', () => {
  it('posts Block Kit text with the score and keeps the URL encrypted at rest', async () => {
    const s = await freshOrg('hook');
    const slack = await receiver(() => ({ status: 200, body: 'ok' }));
    const url = `${slack.url}/services/T000/B000/secretpart`;
    const channel = await createChannel(t.db, s, { kind: 'slack-webhook', name: 'eng', webhookUrl: url });
    const stored = await t.db.selectFrom('notification_channels').select('secret_ciphertext').where('id', '=', channel.id).executeTakeFirstOrThrow();
    expect(stored.secret_ciphertext).not.toContain('secretpart');
    expect(JSON.stringify(await listChannels(t.db, s))).not.toContain('secretpart');

    const out = await dispatchNotice(t.db, s.orgId, { kind: 'spec.scored', specTitle: 'Add <SSO> & audit', score: 82, threshold: 70, accepted: true, url: 'https://ns.test/specs/1' });
    expect(out).toEqual([{ channelId: channel.id, name: 'eng', kind: 'slack-webhook', ok: true }]);
    expect(slack.requests).toHaveLength(1);
    const req = slack.requests[0]!;
    expect(req.path).toBe('/services/T000/B000/secretpart');
    expect(req.headers['content-type']).toContain('application/json');
    const body = JSON.parse(req.body);
    expect(body.text).toBe('Spec accepted: Add <SSO> & audit — score 82 (threshold 70)');
    expect(body.blocks[0].type).toBe('section');
    // User text is escaped for mrkdwn; the link uses Slack's <url|label> form.
    expect(body.blocks[0].text.text).toContain('<https://ns.test/specs/1|Add &lt;SSO&gt; &amp; audit>');
    expect(body.blocks[1].elements[0].text).toContain('82');
  });

  it('waits as long as Retry-After asks on 429, then delivers', async () => {
    const s = await freshOrg('retry');
    const slack = await receiver((_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' } : { status: 200, body: 'ok' }));
    await createChannel(t.db, s, { kind: 'slack-webhook', name: 'eng', webhookUrl: `${slack.url}/hook` });
    const [d] = await dispatchNotice(t.db, s.orgId, { kind: 'task.failed', runId: runId(), taskTitle: 'Migrate DB', reason: 'tests failed: 3 of 40' });
    expect(d?.ok).toBe(true);
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1]!.at - slack.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(JSON.parse(slack.requests[1]!.body).blocks[1].text.text).toContain('tests failed: 3 of 40');
  });

  it('gives up after a bounded number of 429s and reports it as a value', async () => {
    const s = await freshOrg('bounded');
    const slack = await receiver(() => ({ status: 429, headers: { 'retry-after': '0' }, body: 'rate_limited' }));
    await createChannel(t.db, s, { kind: 'slack-webhook', name: 'eng', webhookUrl: `${slack.url}/hook` });
    const [d] = await dispatchNotice(t.db, s.orgId, { kind: 'channel.test', channelName: 'eng' });
    expect(d).toMatchObject({ ok: false, error: expect.stringContaining('rate limited') });
    expect(slack.requests).toHaveLength(MAX_RATE_LIMIT_RETRIES + 1);
  });
});

describe('Slack bot token', () => {
  it('threads every notice of a run under its first message, and starts a new thread per run', async () => {
    const s = await freshOrg('bot');
    let counter = 0;
    const api = await receiver((req) => {
      if (req.path !== '/api/chat.postMessage') return { status: 404, body: { ok: false, error: 'unknown_method' } };
      counter += 1;
      return { status: 200, body: { ok: true, channel: 'C0123ABCD', ts: `1700000000.00010${counter}` } };
    });
    const channel = await createChannel(t.db, s, { kind: 'slack-bot', name: 'bot', botToken: 'xoxb-test-123', slackChannel: 'C0123ABCD' });
    const opts = { slackBaseUrl: `${api.url}/api` };
    const run1 = runId();
    const run2 = runId();
    const first = await dispatchNotice(t.db, s.orgId, { kind: 'run.started', runId: run1, specTitle: 'Billing page', taskCount: 4 }, opts);
    await dispatchNotice(t.db, s.orgId, { kind: 'task.failed', runId: run1, taskTitle: 'Invoice list', reason: 'type error' }, opts);
    await dispatchNotice(t.db, s.orgId, { kind: 'pull-request.opened', runId: run1, title: 'Billing page', url: 'https://github.com/a/b/pull/7', summary: '12 files, all checks pass' }, opts);
    await dispatchNotice(t.db, s.orgId, { kind: 'run.started', runId: run2, specTitle: 'Search' }, opts);

    expect(first[0]).toMatchObject({ ok: true, threadTs: '1700000000.000101' });
    const bodies = api.requests.map((r) => JSON.parse(r.body));
    expect(api.requests.every((r) => r.headers.authorization === 'Bearer xoxb-test-123')).toBe(true);
    expect(bodies.map((b) => b.channel)).toEqual(['C0123ABCD', 'C0123ABCD', 'C0123ABCD', 'C0123ABCD']);
    expect(bodies.map((b) => b.thread_ts)).toEqual([undefined, '1700000000.000101', '1700000000.000101', undefined]);
    expect(bodies[2].blocks[1].text.text).toBe('12 files, all checks pass');
    const threads = await t.db.selectFrom('slack_threads').select(['run_id', 'thread_ts']).where('channel_id', '=', channel.id).orderBy('thread_ts').execute();
    expect(threads).toEqual([
      { run_id: run1, thread_ts: '1700000000.000101' },
      { run_id: run2, thread_ts: '1700000000.000104' },
    ]);
  });

  it('turns Slack ok:false answers into an error value', async () => {
    const s = await freshOrg('botfail');
    const api = await receiver(() => ({ status: 200, body: { ok: false, error: 'channel_not_found' } }));
    await createChannel(t.db, s, { kind: 'slack-bot', name: 'bot', botToken: 'xoxb-test-9', slackChannel: 'C999ZZZ' });
    const [d] = await dispatchNotice(t.db, s.orgId, { kind: 'run.started', runId: runId(), specTitle: 'X' }, { slackBaseUrl: api.url });
    expect(d).toMatchObject({ ok: false, error: 'Slack error: channel_not_found' });
    expect(await t.db.selectFrom('slack_threads').selectAll().where('org_id', '=', s.orgId).execute()).toEqual([]);
  });
});

describe('Discord webhook', () => {
  it('honours retry_after from the 429 body and sends an embed without mentions', async () => {
    const s = await freshOrg('discord');
    const discord = await receiver((_r, i) => (i === 0 ? { status: 429, body: { message: 'You are being rate limited.', retry_after: 0.3, global: false } } : { status: 204 }));
    await createChannel(t.db, s, { kind: 'discord-webhook', name: 'dc', webhookUrl: `${discord.url}/api/webhooks/1/tok` });
    const [d] = await dispatchNotice(t.db, s.orgId, { kind: 'pull-request.opened', title: 'Add search', url: 'https://github.com/a/b/pull/9', summary: 'Search over specs; 3 tests added' });
    expect(d?.ok).toBe(true);
    expect(discord.requests).toHaveLength(2);
    expect(discord.requests[1]!.at - discord.requests[0]!.at).toBeGreaterThanOrEqual(280);
    const body = JSON.parse(discord.requests[1]!.body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0]).toMatchObject({ title: 'Pull request opened: Add search', url: 'https://github.com/a/b/pull/9', description: 'Search over specs; 3 tests added' });
  });

  it('sends a rejected spec with its score', async () => {
    const s = await freshOrg('discord2');
    const discord = await receiver(() => ({ status: 204 }));
    await createChannel(t.db, s, { kind: 'discord-webhook', name: 'dc', webhookUrl: `${discord.url}/wh` });
    await dispatchNotice(t.db, s.orgId, { kind: 'spec.scored', specTitle: 'Vague idea', score: 41, threshold: 70, accepted: false });
    const embed = JSON.parse(discord.requests[0]!.body).embeds[0];
    expect(embed.title).toBe('Spec rejected: Vague idea');
    expect(embed.fields).toEqual([
      { name: 'Score', value: '41', inline: true },
      { name: 'Threshold', value: '70', inline: true },
    ]);
  });
});

describe('fan-out', () => {
  it('filters by notice kind, survives a broken channel, and skips disabled or deleted ones', async () => {
    const s = await freshOrg('fan');
    const good = await receiver(() => ({ status: 204 }));
    const broken = await receiver(() => ({ status: 500, body: 'boom' }));
    const digestOnly = await receiver(() => ({ status: 200, body: 'ok' }));
    await createChannel(t.db, s, { kind: 'discord-webhook', name: 'a-broken', webhookUrl: `${broken.url}/x` });
    const goodCh = await createChannel(t.db, s, { kind: 'discord-webhook', name: 'b-good', webhookUrl: `${good.url}/x` });
    await createChannel(t.db, s, { kind: 'slack-webhook', name: 'c-digest', webhookUrl: `${digestOnly.url}/x`, notices: ['digest'] });
    const out = await dispatchNotice(t.db, s.orgId, { kind: 'run.started', runId: runId(), specTitle: 'Fan' });
    expect(out.map((d) => [d.name, d.ok, 'error' in d ? d.error : 'skipped' in d ? d.skipped : 'sent'])).toEqual([
      ['a-broken', false, 'HTTP 500: boom'],
      ['b-good', true, 'sent'],
      ['c-digest', true, 'filtered'],
    ]);
    expect(good.requests).toHaveLength(1);
    expect(digestOnly.requests).toHaveLength(0);
    await deleteChannel(t.db, s, { channelId: goodCh.id });
    await dispatchNotice(t.db, s.orgId, { kind: 'run.started', runId: runId(), specTitle: 'Fan 2' });
    expect(good.requests).toHaveLength(1);
  });

  it('rejects channel config from a member, and plain-http URLs to other hosts', async () => {
    const s = await freshOrg('perm');
    await expect(createChannel(t.db, { ...s, role: 'member' }, { kind: 'slack-webhook', name: 'x', webhookUrl: 'https://hooks.slack.com/services/a' })).rejects.toThrow(/admin/);
    const { ZChannelInput } = await import('./channel-input');
    const bad = ZChannelInput.safeParse({ kind: 'slack-webhook', name: 'x', webhookUrl: 'http://example.com/hook' });
    expect(bad.success).toBe(false);
  });

  it('the notify job delivers a queued notice', async () => {
    const s = await freshOrg('job');
    const discord = await receiver(() => ({ status: 204 }));
    await createChannel(t.db, s, { kind: 'discord-webhook', name: 'dc', webhookUrl: `${discord.url}/x` });
    const data = notifyJob.payload.parse({ orgId: s.orgId, notice: { kind: 'task.failed', runId: runId(), taskTitle: 'Lint', reason: 'eslint: 2 errors' } });
    const result = await notifyJob.handler(data, { db: t.db } as JobContext);
    expect(result.deliveries[0]?.ok).toBe(true);
    expect(JSON.parse(discord.requests[0]!.body).embeds[0].description).toBe('eslint: 2 errors');
  });
});

describe('nightly digest', () => {
  it('sends the last 24 hours of token use to each organisation with channels', async () => {
    const s = await freshOrg('digest');
    const discord = await receiver(() => ({ status: 204 }));
    await createChannel(t.db, s, { kind: 'discord-webhook', name: 'dc', webhookUrl: `${discord.url}/x` });
    const now = new Date();
    await recordTokenUsage(t.db, { orgId: s.orgId, tokens: 1200 });
    await recordTokenUsage(t.db, { orgId: s.orgId, tokens: 34 });
    // Two days ago: outside the digest window.
    await t.db.insertInto('usage_records').values({ org_id: s.orgId, tokens: 99999, recorded_at: new Date(now.getTime() - 48 * 3600_000) }).execute();
    const results = await sendNightlyDigests(t.db, new Date(now.getTime() + 1000));
    const mine = results.find((r) => r.orgId === s.orgId);
    expect(mine?.deliveries[0]?.ok).toBe(true);
    const fields = JSON.parse(discord.requests[0]!.body).embeds[0].fields as Array<{ name: string; value: string }>;
    expect(fields.find((f) => f.name === 'Tokens used')?.value).toBe('1,234');
  });
});

describe('Slack request signatures', () => {
  const secret = 'slack-signing-secret';
  const body = 'token=x&team_id=T1&text=status';
  const ts = '1700000000';

  it('accepts a correct v0 signature and rejects tampering, replays and missing headers', () => {
    const sig = signSlackRequest(secret, ts, body);
    expect(sig).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sig, rawBody: body, nowSeconds: 1700000010 })).toEqual({ ok: true });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sig, rawBody: `${body}x`, nowSeconds: 1700000010 }).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: 'other', timestamp: ts, signature: sig, rawBody: body, nowSeconds: 1700000010 }).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: 'v0=short', rawBody: body, nowSeconds: 1700000010 }).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sig, rawBody: body, nowSeconds: 1700000000 + SLACK_REPLAY_WINDOW_SECONDS + 1 })).toEqual({
      ok: false,
      reason: 'Slack request timestamp is outside the replay window',
    });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: undefined, signature: sig, rawBody: body }).ok).toBe(false);
  });

  it('answers /nightshift status over HTTP for the workspace of a bot channel, only when signed', async () => {
    await createChannel(t.db, scope, { kind: 'slack-bot', name: 'ops', botToken: 'xoxb-ops-1', slackChannel: 'C0OPS', slackTeamId: 'T0TEAM42' });
    await recordTokenUsage(t.db, { orgId: scope.orgId, tokens: 5000 });
    const env: Record<string, string | undefined> = { ...process.env, SLACK_SIGNING_SECRET: secret, STRIPE_SECRET_KEY: undefined };
    const server = await startHandlerServer((req, res) => handleWebhook(req, res, { db: t.db, env }));
    try {
      const form = new URLSearchParams({ token: 'legacy', team_id: 'T0TEAM42', command: '/nightshift', text: 'status', user_name: 'ada' }).toString();
      const now = String(Math.floor(Date.now() / 1000));
      const post = (headers: Record<string, string>, b = form) =>
        fetch(`${server.url}/api/webhooks/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: b });

      const ok = await post({ 'x-slack-request-timestamp': now, 'x-slack-signature': signSlackRequest(secret, now, form) });
      expect(ok.status).toBe(200);
      const answer = await ok.json();
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain(`*Nightshift status* — ${orgName}`);
      expect(answer.text).toContain('Tokens this month: *5,000*');

      const unsigned = await post({});
      expect(unsigned.status).toBe(401);
      const forged = await post({ 'x-slack-request-timestamp': now, 'x-slack-signature': signSlackRequest('wrong', now, form) });
      expect(forged.status).toBe(401);
      const old = String(Math.floor(Date.now() / 1000) - 600);
      const replay = await post({ 'x-slack-request-timestamp': old, 'x-slack-signature': signSlackRequest(secret, old, form) });
      expect(replay.status).toBe(401);

      const otherTeam = new URLSearchParams({ team_id: 'T0NOBODY', text: 'status' }).toString();
      const stranger = await post({ 'x-slack-request-timestamp': now, 'x-slack-signature': signSlackRequest(secret, now, otherTeam) }, otherTeam);
      expect((await stranger.json()).text).toContain('not connected');
    } finally {
      await server.close();
    }
  });
});
