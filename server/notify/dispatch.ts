import type { DB } from '../db/client';
import { loadSendableChannels, recordChannelDelivery, type SendableChannel } from '../services/notification-channels';
import { findSlackThread, saveSlackThread } from '../services/slack-threads';
import { formatSlack } from './format-slack';
import { formatDiscord } from './format-discord';
import { noticeRunId, type Notice } from './notice';
import { postSlackMessage, sendSlackWebhook, type SendResult } from './slack';
import { sendDiscordWebhook } from './discord';

export type ChannelDelivery = { channelId: string; name: string; kind: SendableChannel['kind'] } & (
  | { ok: true; threadTs?: string }
  | { ok: false; error: string }
  | { ok: true; skipped: 'filtered' }
);

export type DispatchOptions = { slackBaseUrl?: string; channelId?: string };

/**
 * Sends one notice to every enabled channel of an organisation (or one channel, for "send test").
 * Each channel's outcome is returned; one failing channel does not stop the others.
 */
export async function dispatchNotice(db: DB, orgId: string, notice: Notice, opts: DispatchOptions = {}): Promise<ChannelDelivery[]> {
  const channels = await loadSendableChannels(db, orgId, opts.channelId);
  const out: ChannelDelivery[] = [];
  for (const channel of channels) {
    const base = { channelId: channel.id, name: channel.name, kind: channel.kind };
    const wanted = channel.config.notices;
    if (wanted && notice.kind !== 'channel.test' && !wanted.includes(notice.kind)) {
      out.push({ ...base, ok: true, skipped: 'filtered' });
      continue;
    }
    let outcome: { ok: true; threadTs?: string } | { ok: false; error: string };
    try {
      outcome = await deliver(db, orgId, channel, notice, opts);
    } catch (err) {
      outcome = { ok: false, error: (err as Error).message };
    }
    out.push({ ...base, ...outcome });
    // The channel's status in Settings; a failure to record it must not fail the delivery.
    await recordChannelDelivery(db, orgId, channel.id, outcome).catch(() => undefined);
  }
  return out;
}

async function deliver(db: DB, orgId: string, channel: SendableChannel, notice: Notice, opts: DispatchOptions): Promise<{ ok: true; threadTs?: string } | { ok: false; error: string }> {
  switch (channel.kind) {
    case 'slack-webhook':
      return result(await sendSlackWebhook(channel.secret, formatSlack(notice)));
    case 'discord-webhook':
      return result(await sendDiscordWebhook(channel.secret, formatDiscord(notice)));
    case 'slack-bot':
      return sendThreaded(db, orgId, channel, notice, opts);
  }
}

function result(r: SendResult): { ok: true } | { ok: false; error: string } {
  return r.ok ? { ok: true } : { ok: false, error: r.error };
}

/**
 * With a bot token, every notice of a run after the first is a reply in the first one's thread,
 * so a channel shows one line per run. The first message's `ts` is the thread id.
 */
async function sendThreaded(db: DB, orgId: string, channel: SendableChannel, notice: Notice, opts: DispatchOptions) {
  const slackChannel = channel.config.slackChannel;
  if (!slackChannel) return { ok: false as const, error: 'this Slack bot channel has no Slack channel id configured' };
  const runId = noticeRunId(notice);
  const existing = runId ? await findSlackThread(db, { channelId: channel.id, runId }) : undefined;
  const posted = await postSlackMessage({ token: channel.secret, channel: slackChannel, message: formatSlack(notice), threadTs: existing, baseUrl: opts.slackBaseUrl });
  if (!posted.ok) return { ok: false as const, error: posted.error };
  if (runId && !existing) await saveSlackThread(db, { channelId: channel.id, runId, orgId, slackChannel: posted.channel, threadTs: posted.ts });
  return { ok: true as const, threadTs: existing ?? posted.ts };
}
