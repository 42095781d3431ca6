import type { DB } from '../db/client';

/** The Slack thread a run's notices reply in, on one bot channel (its first message's `ts`). */
export async function findSlackThread(db: DB, input: { channelId: string; runId: string }): Promise<string | undefined> {
  const row = await db.selectFrom('slack_threads').select('thread_ts').where('channel_id', '=', input.channelId).where('run_id', '=', input.runId).executeTakeFirst();
  return row?.thread_ts;
}

/**
 * Records a run's thread. Two notices of a new run sent at once both start a thread; the first
 * stored one wins and later notices reply to it.
 */
export async function saveSlackThread(db: DB, input: { channelId: string; runId: string; orgId: string; slackChannel: string; threadTs: string }): Promise<void> {
  await db
    .insertInto('slack_threads')
    .values({ channel_id: input.channelId, run_id: input.runId, org_id: input.orgId, slack_channel: input.slackChannel, thread_ts: input.threadTs })
    .onConflict((oc) => oc.columns(['channel_id', 'run_id']).doNothing())
    .execute();
}
