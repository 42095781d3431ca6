import { postJson, retryAfterHeaderMs, type PostResult } from './http-post';
import type { SlackMessage } from './format-slack';

export const SLACK_API_BASE_URL = 'https://slack.com/api';

/** Where chat.postMessage goes; SLACK_API_BASE_URL in the environment points it elsewhere (tests, proxies). */
export function slackApiBaseUrl(): string {
  return (process.env.SLACK_API_BASE_URL || SLACK_API_BASE_URL).replace(/\/+$/, '');
}

export type SendResult = { ok: true; attempts: number } | { ok: false; error: string; attempts: number };

function failed(r: PostResult & { ok: false }): SendResult {
  return { ok: false, error: r.error, attempts: r.attempts };
}

/** Incoming webhook: answers the plain text `ok`; no threading (webhooks cannot reply in threads). */
export async function sendSlackWebhook(webhookUrl: string, message: SlackMessage): Promise<SendResult> {
  const r = await postJson(webhookUrl, message, { retryAfterMs: (res) => retryAfterHeaderMs(res) });
  return r.ok ? { ok: true, attempts: r.attempts } : failed(r);
}

export type SlackPostResult = ({ ok: true; ts: string; channel: string } | { ok: false; error: string }) & { attempts: number };

/**
 * chat.postMessage with a bot token. Slack answers HTTP 200 with `{ ok: false, error }` for most
 * failures, so the JSON decides success. Pass `threadTs` to reply in a run's thread.
 */
export async function postSlackMessage(input: {
  token: string;
  channel: string;
  message: SlackMessage;
  threadTs?: string;
  baseUrl?: string;
}): Promise<SlackPostResult> {
  const url = `${(input.baseUrl ?? slackApiBaseUrl()).replace(/\/+$/, '')}/chat.postMessage`;
  const body = { channel: input.channel, ...input.message, ...(input.threadTs ? { thread_ts: input.threadTs } : {}), unfurl_links: false };
  const r = await postJson(url, body, { headers: { authorization: `Bearer ${input.token}` }, retryAfterMs: (res) => retryAfterHeaderMs(res) });
  if (!r.ok) return { ok: false, error: r.error, attempts: r.attempts };
  let parsed: { ok?: boolean; ts?: string; channel?: string; error?: string };
  try {
    parsed = JSON.parse(r.body);
  } catch {
    return { ok: false, error: `Slack answered with non-JSON: ${r.body.slice(0, 100)}`, attempts: r.attempts };
  }
  if (!parsed.ok || !parsed.ts) return { ok: false, error: `Slack error: ${parsed.error ?? 'unknown'}`, attempts: r.attempts };
  return { ok: true, ts: parsed.ts, channel: parsed.channel ?? input.channel, attempts: r.attempts };
}
