import { postJson, retryAfterHeaderMs } from './http-post';
import type { DiscordMessage } from './format-discord';
import type { SendResult } from './slack';

/**
 * Discord's 429 body says `{ retry_after: <seconds, fractional> }`; it is more precise than the
 * header, so it wins when present.
 */
export function discordRetryAfterMs(res: Response, body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) return parsed.retry_after * 1000;
  } catch {
    /* fall back to the header */
  }
  return retryAfterHeaderMs(res);
}

/** Discord webhook execute: 204 No Content on success. */
export async function sendDiscordWebhook(webhookUrl: string, message: DiscordMessage): Promise<SendResult> {
  const r = await postJson(webhookUrl, message, { retryAfterMs: discordRetryAfterMs });
  return r.ok ? { ok: true, attempts: r.attempts } : { ok: false, error: r.error, attempts: r.attempts };
}
