import crypto from 'node:crypto';

/** Slack signs requests with a timestamp; older than this is treated as a replay. */
export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60;

export type SlackVerification = { ok: true } | { ok: false; reason: string };

/**
 * Verifies `X-Slack-Signature` (v0=hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed by the
 * app's signing secret) and `X-Slack-Request-Timestamp` (within five minutes of now).
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowSeconds?: number;
}): SlackVerification {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'missing Slack signature headers' };
  const ts = Number(input.timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: 'malformed Slack timestamp' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > SLACK_REPLAY_WINDOW_SECONDS) return { ok: false, reason: 'Slack request timestamp is outside the replay window' };
  const expected = signSlackRequest(input.signingSecret, input.timestamp, input.rawBody);
  return timingSafeEqualStrings(expected, input.signature) ? { ok: true } : { ok: false, reason: 'Slack signature does not match' };
}

/** The header value Slack would send; used by verification (and by tests to sign requests). */
export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${crypto.createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Constant-time comparison that also tolerates different lengths (which timingSafeEqual rejects by throwing). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return crypto.timingSafeEqual(ab, bb);
}
