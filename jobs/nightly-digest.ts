import { z } from 'zod';
import type { JobDefinition } from './definition';
import type { DB } from '../server/db/client';
import { dispatchNotice, type ChannelDelivery } from '../server/notify/dispatch';
import { runStats } from '../server/services/run-stats';
import type { Notice } from '../server/notify/notice';

export const NIGHTLY_DIGEST_JOB = 'nightly-digest';
/** 07:00 UTC: after a night of runs, before most teams start work. */
export const NIGHTLY_DIGEST_CRON = '0 7 * * *';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The digest notice for the 24 hours before `now`. */
export async function buildDigest(db: DB, orgId: string, now: Date): Promise<Extract<Notice, { kind: 'digest' }>> {
  const since = new Date(now.getTime() - DAY_MS);
  const stats = await runStats(db, orgId, since);
  const row = await db
    .selectFrom('usage_records')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('tokens'), eb.val('0')).as('tokens'))
    .where('org_id', '=', orgId)
    .where('recorded_at', '>=', since)
    .where('recorded_at', '<', now)
    .executeTakeFirstOrThrow();
  return {
    kind: 'digest',
    date: since.toISOString().slice(0, 10),
    runsStarted: stats.runsStarted,
    runsFailed: stats.runsFailed,
    pullRequestsOpened: stats.pullRequestsOpened,
    tokensUsed: Number(row.tokens),
  };
}

/** Sends the digest to every organisation that has an enabled channel. */
export async function sendNightlyDigests(db: DB, now = new Date(), opts: { slackBaseUrl?: string } = {}) {
  const orgs = await db.selectFrom('notification_channels').select('org_id').where('enabled', '=', true).distinct().execute();
  const out: Array<{ orgId: string; deliveries: ChannelDelivery[] }> = [];
  for (const { org_id } of orgs) {
    out.push({ orgId: org_id, deliveries: await dispatchNotice(db, org_id, await buildDigest(db, org_id, now), opts) });
  }
  return out;
}

export const nightlyDigestJob = {
  id: NIGHTLY_DIGEST_JOB,
  payload: z.object({}).passthrough(),
  cron: NIGHTLY_DIGEST_CRON,
  queue: { retryLimit: 0, expireInSeconds: 1800 },
  async handler(_data, ctx) {
    const results = await sendNightlyDigests(ctx.db);
    return { organizations: results.length };
  },
} satisfies JobDefinition;
