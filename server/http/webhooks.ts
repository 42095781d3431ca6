import type http from 'node:http';
import type { DB } from '../db/client';
import { handleStripeWebhook } from '../billing/webhook';
import type { Env } from '../billing/config';
import { handleGithubWebhook, type FollowUpRequest } from '../github/webhooks';
import { verifySlackSignature } from '../notify/slack-signature';
import { answerSlackCommand, type SlackCommandResponse } from '../notify/slack-command';
import { findOrgBySlackTeam } from '../services/notification-channels';
import { findOrgBySlug } from '../services/orgs';
import { readSecret } from '../services/secrets';
import { readLimitedBody, tooLargeHeaders } from './read-body';

/** Webhook bodies are small JSON or form posts; anything bigger is refused before parsing. */
export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Org secret holding a per-organisation Slack signing secret (used with `?org=<slug>`). */
export const SLACK_SIGNING_SECRET_NAME = 'SLACK_SIGNING_SECRET';

export type WebhookContext = {
  db: DB;
  log?: (msg: string) => void;
  env?: Env;
  /** Receives review feedback on Nightshift pull requests (already stored in follow_up_requests). */
  onFollowUp?: (request: FollowUpRequest) => Promise<void> | void;
};

type Answer = { status: number; body: unknown };

/**
 * Answers `/api/webhooks/{stripe,github,slack}` and returns true, or returns false for any other
 * path so the caller passes the request on. Providers sign the raw bytes, so the body is read
 * here unparsed.
 */
export async function handleWebhook(req: http.IncomingMessage, res: http.ServerResponse, ctx: WebhookContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const provider = url.pathname.match(/^\/api\/webhooks\/(stripe|github|slack)\/?$/)?.[1];
  if (!provider) return false;
  if (req.method !== 'POST') {
    send(res, { status: 405, body: { error: 'use POST' } }, { allow: 'POST' });
    return true;
  }
  const body = await readLimitedBody(req, WEBHOOK_MAX_BODY_BYTES);
  if (!body.ok) {
    send(res, { status: 413, body: { error: `body larger than ${WEBHOOK_MAX_BODY_BYTES} bytes` } }, tooLargeHeaders(body.keepAlive));
    return true;
  }
  const raw = body.body.toString('utf8');
  const env = ctx.env ?? process.env;
  const log = ctx.log ?? (() => {});
  const orgSlug = url.searchParams.get('org');
  let answer: Answer;
  switch (provider) {
    case 'stripe':
      answer = await handleStripeWebhook(ctx.db, raw, header(req, 'stripe-signature'), env, log);
      break;
    case 'github':
      answer = await handleGithubWebhook(ctx.db, {
        rawBody: raw,
        eventName: header(req, 'x-github-event'),
        deliveryId: header(req, 'x-github-delivery'),
        signature: header(req, 'x-hub-signature-256'),
        orgSlug,
        env,
        onFollowUp: ctx.onFollowUp,
      });
      break;
    default:
      answer = await handleSlackCommand(ctx.db, {
        rawBody: raw,
        timestamp: header(req, 'x-slack-request-timestamp'),
        signature: header(req, 'x-slack-signature'),
        orgSlug,
        env,
      });
  }
  if (answer.status >= 400) log(`webhook ${provider}: ${answer.status} ${JSON.stringify(answer.body)}`);
  send(res, answer);
  return true;
}

/**
 * A Slack slash command (`/nightshift status`). Verified with SLACK_SIGNING_SECRET (the
 * deployment's Slack app; the organisation is the one whose bot channel names the Slack team) or,
 * with `?org=<slug>`, with that organisation's own SLACK_SIGNING_SECRET org secret.
 */
export async function handleSlackCommand(
  db: DB,
  input: { rawBody: string; timestamp: string | undefined; signature: string | undefined; orgSlug?: string | null; env?: Env; now?: Date },
): Promise<{ status: number; body: SlackCommandResponse | { error: string } }> {
  const env = input.env ?? process.env;
  let orgId: string | null = null;
  let secret: string | null | undefined;
  if (input.orgSlug) {
    orgId = (await findOrgBySlug(db, input.orgSlug))?.id ?? null;
    secret = orgId ? await readSecret(db, orgId, SLACK_SIGNING_SECRET_NAME) : null;
    if (!secret) return { status: 404, body: { error: 'no Slack app is configured for this organization' } };
  } else {
    secret = env.SLACK_SIGNING_SECRET;
    if (!secret) return { status: 503, body: { error: 'Slack commands are not configured on this server (SLACK_SIGNING_SECRET is not set)' } };
  }
  const verified = verifySlackSignature({
    signingSecret: secret,
    timestamp: input.timestamp,
    signature: input.signature,
    rawBody: input.rawBody,
    nowSeconds: input.now ? Math.floor(input.now.getTime() / 1000) : undefined,
  });
  if (!verified.ok) return { status: 401, body: { error: verified.reason } };

  const form = new URLSearchParams(input.rawBody);
  const teamId = form.get('team_id');
  orgId ??= teamId ? await findOrgBySlackTeam(db, teamId) : null;
  // Slack shows a 200 answer to the person; an error status would only say "dispatch_failed".
  if (!orgId) return { status: 200, body: { response_type: 'ephemeral', text: 'This Slack workspace is not connected to a Nightshift organization. Add a Slack bot channel with its team id in Nightshift settings.' } };
  return { status: 200, body: await answerSlackCommand(db, { orgId, text: form.get('text') ?? '', now: input.now }) };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: http.ServerResponse, answer: Answer, extra: Record<string, string> = {}) {
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(JSON.stringify(answer.body));
}
