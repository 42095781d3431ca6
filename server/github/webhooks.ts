import crypto from 'node:crypto';
import type { DB } from '../db/client';
import { orgsWithSecretValue, readSecret } from '../services/secrets';
import { repoFullName, routePullRequestEvent } from '../services/webhook-routing';
import { findOrgBySlug } from '../services/orgs';
import { timingSafeEqualStrings } from '../notify/slack-signature';
import type { Env } from '../billing/config';

/** Branches Nightshift pushes its pull requests from; review feedback elsewhere is not ours. */
export const NIGHTSHIFT_BRANCH_PREFIX = 'nightshift/';
/** Org secret holding a per-organisation webhook secret (used with `?org=<slug>`). */
export const GITHUB_WEBHOOK_SECRET_NAME = 'GITHUB_WEBHOOK_SECRET';
/** Org secret naming the organisation's GitHub App installation (server/github/github-auth.ts). */
const GITHUB_APP_INSTALLATION_SECRET = 'GITHUB_APP_INSTALLATION_ID';

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time. */
export function verifyGithubSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return timingSafeEqualStrings(signGithubPayload(secret, rawBody), header);
}

export function signGithubPayload(secret: string, rawBody: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Review feedback on a Nightshift pull request, to be turned into a follow-up task. */
export type FollowUpInput = {
  repository: string;
  pullRequestNumber: number;
  branch: string;
  source: 'review_comment' | 'review';
  sourceId: string;
  author: string;
  body: string;
  path: string | null;
  line: number | null;
  url: string | null;
};

export type FollowUpRequest = FollowUpInput & { id: string; orgId: string; projectId: string };

type GhUser = { login?: string; type?: string };
type GhPullRequest = { number?: number; head?: { ref?: string }; base?: { repo?: { full_name?: string } } };
type GhPayload = {
  action?: string;
  comment?: { id?: number; body?: string; user?: GhUser; path?: string; line?: number | null; html_url?: string };
  review?: { id?: number; body?: string | null; state?: string; user?: GhUser; html_url?: string };
  pull_request?: GhPullRequest;
  repository?: { full_name?: string };
  /** Present on deliveries of a GitHub App's webhook. */
  installation?: { id?: number };
};

/**
 * The follow-up a GitHub event asks for, or null: only new review comments and submitted reviews
 * with something to act on (not approvals, not empty reviews), by people (not bots — Nightshift's
 * own comments must not loop back), on a `nightshift/…` branch.
 */
export function followUpFromEvent(eventName: string, payload: GhPayload): FollowUpInput | null {
  const pr = payload.pull_request;
  const branch = pr?.head?.ref;
  const repository = pr?.base?.repo?.full_name ?? payload.repository?.full_name;
  if (!pr?.number || !branch?.startsWith(NIGHTSHIFT_BRANCH_PREFIX) || !repository) return null;
  const base = { repository, pullRequestNumber: pr.number, branch };

  if (eventName === 'pull_request_review_comment' && payload.action === 'created') {
    const c = payload.comment;
    if (!c?.id || !c.body?.trim() || isBot(c.user)) return null;
    return { ...base, source: 'review_comment', sourceId: String(c.id), author: c.user?.login ?? 'unknown', body: c.body, path: c.path ?? null, line: c.line ?? null, url: c.html_url ?? null };
  }
  if (eventName === 'pull_request_review' && payload.action === 'submitted') {
    const r = payload.review;
    if (!r?.id || !r.body?.trim() || isBot(r.user)) return null;
    if (r.state?.toLowerCase() === 'approved') return null;
    return { ...base, source: 'review', sourceId: String(r.id), author: r.user?.login ?? 'unknown', body: r.body, path: null, line: null, url: r.html_url ?? null };
  }
  return null;
}

function isBot(user: GhUser | undefined): boolean {
  return user?.type === 'Bot' || !!user?.login?.endsWith('[bot]');
}

export { repoFullName };

export type GithubWebhookAnswer = { status: number; body: Record<string, unknown> };

export type GithubWebhookInput = {
  rawBody: string;
  eventName: string | undefined;
  deliveryId: string | undefined;
  signature: string | undefined;
  /** `?org=<slug>`: verify with that organisation's GITHUB_WEBHOOK_SECRET and only match its projects. */
  orgSlug?: string | null;
  env?: Env;
  /** Called once per new follow-up (after it is stored); the pipeline plans it as a task. */
  onFollowUp?: (request: FollowUpRequest) => Promise<void> | void;
};

/**
 * `/api/webhooks/github`: verifies the signature, then stores a review comment on a Nightshift
 * pull request as a follow-up request of the one project it belongs to: the project whose run
 * opened the pull request, within the organisations the delivery's credential covers (the org
 * whose secret signed it, or the orgs of the GitHub App installation it names) — never every
 * organisation with the same repository URL (server/services/webhook-routing.ts). Redeliveries
 * are absorbed by the (org, source, source id) unique key.
 */
export async function handleGithubWebhook(db: DB, input: GithubWebhookInput): Promise<GithubWebhookAnswer> {
  const env = input.env ?? process.env;
  let orgId: string | null = null;
  let secret: string | null | undefined;
  if (input.orgSlug) {
    const org = await findOrgBySlug(db, input.orgSlug);
    orgId = org?.id ?? null;
    secret = orgId ? await readSecret(db, orgId, GITHUB_WEBHOOK_SECRET_NAME) : null;
    if (!secret) return { status: 404, body: { error: 'no GitHub webhook is configured for this organization' } };
  } else {
    secret = env.GITHUB_WEBHOOK_SECRET;
    if (!secret) return { status: 503, body: { error: 'GitHub webhooks are not configured on this server (GITHUB_WEBHOOK_SECRET is not set)' } };
  }
  if (!verifyGithubSignature(secret, input.rawBody, input.signature)) return { status: 401, body: { error: 'invalid or missing X-Hub-Signature-256' } };
  if (!input.eventName) return { status: 400, body: { error: 'missing X-GitHub-Event header' } };
  if (input.eventName === 'ping') return { status: 200, body: { ok: true, pong: true } };

  let payload: GhPayload;
  try {
    payload = JSON.parse(input.rawBody);
  } catch {
    return { status: 400, body: { error: 'body is not JSON (configure the webhook with content type application/json)' } };
  }
  const followUp = followUpFromEvent(input.eventName, payload);
  if (!followUp) return { status: 200, body: { ok: true, ignored: true } };

  // Which organisations this delivery speaks for: the org whose own secret signed it; with the
  // instance's secret, a GitHub App installation's orgs (as their GITHUB_APP_INSTALLATION_ID says),
  // or — a plain repository webhook — any, left to the pull request record to decide.
  const installationId = payload.installation?.id;
  const orgIds = orgId ? [orgId] : installationId ? await orgsWithSecretValue(db, GITHUB_APP_INSTALLATION_SECRET, String(installationId)) : null;
  const route = await routePullRequestEvent(db, { repository: followUp.repository, pullRequestNumber: followUp.pullRequestNumber, branch: followUp.branch, orgIds });
  if (!route.project) return { status: 200, body: { ok: true, followUps: 0, ignored: true, reason: route.reason, delivery: input.deliveryId ?? null } };
  const project = route.project;
  const created: FollowUpRequest[] = [];
  const row = await db
    .insertInto('follow_up_requests')
    .values({
      org_id: project.orgId,
      project_id: project.id,
      repository: followUp.repository,
      pull_request_number: followUp.pullRequestNumber,
      branch: followUp.branch,
      source: followUp.source,
      source_id: followUp.sourceId,
      author: followUp.author,
      body: followUp.body,
      path: followUp.path,
      line: followUp.line,
      url: followUp.url,
    })
    .onConflict((oc) => oc.columns(['org_id', 'source', 'source_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row) created.push({ ...followUp, id: row.id, orgId: project.orgId, projectId: project.id });
  for (const request of created) await input.onFollowUp?.(request);
  return { status: 200, body: { ok: true, followUps: created.length, delivery: input.deliveryId ?? null } };
}
