import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { NotificationChannelConfig, NotificationChannelKind } from '../db/schema';
import { decryptSecret, encryptSecret } from '../auth/crypto';
import { AppError } from '../errors/app-error';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';
import type { ChannelInput } from '../notify/channel-input';

// Data access for notification channels (Slack, Discord): the notify dispatcher, the webhooks
// and the integrations router use it. Tenancy is filtered inside every query.

/** What the API shows of a channel: never the webhook URL or token. */
export type ChannelSummary = {
  id: string;
  kind: NotificationChannelKind;
  name: string;
  enabled: boolean;
  config: NotificationChannelConfig;
  createdAt: Date;
  /** The last delivery (a notice or "Send test"): null when nothing was sent yet. */
  lastDelivery: { at: Date; ok: boolean; error: string | null } | null;
};

/** A channel ready to send: the secret decrypted. Server-side only. */
export type SendableChannel = ChannelSummary & { secret: string };

export async function createChannel(db: DB, scope: OrgScope, input: ChannelInput): Promise<ChannelSummary> {
  requireRole(scope, 'admin');
  const secret = input.kind === 'slack-bot' ? input.botToken : input.webhookUrl;
  const config: NotificationChannelConfig = {
    ...(input.kind === 'slack-bot' ? { slackChannel: input.slackChannel, ...(input.slackTeamId ? { slackTeamId: input.slackTeamId } : {}) } : {}),
    ...(input.notices ? { notices: input.notices } : {}),
  };
  const existing = await db.selectFrom('notification_channels').select('id').where('org_id', '=', scope.orgId).where('name', '=', input.name).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', `A channel named "${input.name}" already exists; pick another name or delete it first`);
  return db.transaction().execute(async (trx) => {
    // A Slack workspace is connected to one organisation on this instance: its slash commands
    // must resolve to exactly one. The first organisation to name the team keeps it.
    if (input.kind === 'slack-bot' && input.slackTeamId) {
      await trx.insertInto('slack_teams').values({ team_id: input.slackTeamId, org_id: scope.orgId }).onConflict((oc) => oc.column('team_id').doNothing()).execute();
      const owner = await trx.selectFrom('slack_teams').select('org_id').where('team_id', '=', input.slackTeamId).executeTakeFirstOrThrow();
      if (owner.org_id !== scope.orgId) {
        throw new AppError('CONFLICT', 'This Slack workspace is already connected to another organization on this server. Use a bot channel of your own workspace, or ask the server operator.');
      }
    }
    const row = await trx
      .insertInto('notification_channels')
      .values({ org_id: scope.orgId, kind: input.kind, name: input.name, config: JSON.stringify(config), secret_ciphertext: encryptSecret(secret) })
      .returning(['id', 'kind', 'name', 'enabled', 'config', 'created_at', 'last_delivery_at', 'last_delivery_ok', 'last_delivery_error'])
      .executeTakeFirstOrThrow();
    return toSummary(row);
  });
}

export async function listChannels(db: DB, scope: OrgScope): Promise<ChannelSummary[]> {
  requireRole(scope, 'admin');
  const rows = await db
    .selectFrom('notification_channels')
    .select(['id', 'kind', 'name', 'enabled', 'config', 'created_at', 'last_delivery_at', 'last_delivery_ok', 'last_delivery_error'])
    .where('org_id', '=', scope.orgId)
    .orderBy('name')
    .execute();
  return rows.map(toSummary);
}

export async function setChannelEnabled(db: DB, scope: OrgScope, input: { channelId: string; enabled: boolean }) {
  requireRole(scope, 'admin');
  const res = await db
    .updateTable('notification_channels')
    .set({ enabled: input.enabled })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.channelId)
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new AppError('NOT_FOUND', 'Channel not found');
  return { id: input.channelId, enabled: input.enabled };
}

export async function deleteChannel(db: DB, scope: OrgScope, input: { channelId: string }) {
  requireRole(scope, 'admin');
  return db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('notification_channels').where('org_id', '=', scope.orgId).where('id', '=', input.channelId).returning('config').executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', 'Channel not found');
    // The workspace is released when no channel of this organisation names it any more.
    const team = (row.config as NotificationChannelConfig | null)?.slackTeamId;
    if (team) {
      const still = await trx
        .selectFrom('notification_channels')
        .select('id')
        .where('org_id', '=', scope.orgId)
        .where('kind', '=', 'slack-bot')
        .where(sql<string>`config->>'slackTeamId'`, '=', team)
        .executeTakeFirst();
      if (!still) await trx.deleteFrom('slack_teams').where('team_id', '=', team).where('org_id', '=', scope.orgId).execute();
    }
    return { deleted: true };
  });
}

/** Enabled channels of an organisation with their secrets, for the notify job. */
export async function loadSendableChannels(db: DB, orgId: string, channelId?: string): Promise<SendableChannel[]> {
  const rows = await db
    .selectFrom('notification_channels')
    .select(['id', 'kind', 'name', 'enabled', 'config', 'created_at', 'last_delivery_at', 'last_delivery_ok', 'last_delivery_error', 'secret_ciphertext'])
    .where('org_id', '=', orgId)
    .$if(channelId === undefined, (q) => q.where('enabled', '=', true))
    .$if(channelId !== undefined, (q) => q.where('id', '=', channelId!))
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ ...toSummary(r), secret: decryptSecret(r.secret_ciphertext) }));
}

/**
 * The organisation a Slack workspace's slash command belongs to: the one the team is connected to
 * (one per instance), while it has an enabled bot channel naming the team.
 */
export async function findOrgBySlackTeam(db: DB, teamId: string): Promise<string | null> {
  const row = await db
    .selectFrom('slack_teams')
    .innerJoin('notification_channels', 'notification_channels.org_id', 'slack_teams.org_id')
    .select('slack_teams.org_id')
    .where('slack_teams.team_id', '=', teamId)
    .where('notification_channels.kind', '=', 'slack-bot')
    .where('notification_channels.enabled', '=', true)
    .where(sql<string>`notification_channels.config->>'slackTeamId'`, '=', teamId)
    .limit(1)
    .executeTakeFirst();
  return row?.org_id ?? null;
}

type SummaryRow = {
  id: string;
  kind: NotificationChannelKind;
  name: string;
  enabled: boolean;
  config: NotificationChannelConfig;
  created_at: Date;
  last_delivery_at: Date | null;
  last_delivery_ok: boolean | null;
  last_delivery_error: string | null;
};

function toSummary(r: SummaryRow): ChannelSummary {
  const lastDelivery = r.last_delivery_at ? { at: r.last_delivery_at, ok: r.last_delivery_ok === true, error: r.last_delivery_error } : null;
  return { id: r.id, kind: r.kind, name: r.name, enabled: r.enabled, config: r.config ?? {}, createdAt: r.created_at, lastDelivery };
}

/** Keeps the outcome of a delivery on the channel, for its status in Settings. */
export async function recordChannelDelivery(db: DB, orgId: string, channelId: string, outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
  await db
    .updateTable('notification_channels')
    .set({ last_delivery_at: new Date(), last_delivery_ok: outcome.ok, last_delivery_error: outcome.ok ? null : outcome.error.slice(0, 500) })
    .where('org_id', '=', orgId)
    .where('id', '=', channelId)
    .execute();
}
