import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { NotificationChannelConfig, NotificationChannelKind } from '../db/schema';
import { decryptSecret, encryptSecret } from '../auth/crypto';
import { AppError } from '../errors/app-error';
import { requireRole } from '../services/orgs';
import type { OrgScope } from '../services/scope';
import type { ChannelInput } from './channel-input';

// Data access for notification channels. It sits with notify/ rather than services/ because
// only notify and its router use it; tenancy is filtered inside every query as in services/.

/** What the API shows of a channel: never the webhook URL or token. */
export type ChannelSummary = {
  id: string;
  kind: NotificationChannelKind;
  name: string;
  enabled: boolean;
  config: NotificationChannelConfig;
  createdAt: Date;
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
  const row = await db
    .insertInto('notification_channels')
    .values({ org_id: scope.orgId, kind: input.kind, name: input.name, config: JSON.stringify(config), secret_ciphertext: encryptSecret(secret) })
    .returning(['id', 'kind', 'name', 'enabled', 'config', 'created_at'])
    .executeTakeFirstOrThrow();
  return toSummary(row);
}

export async function listChannels(db: DB, scope: OrgScope): Promise<ChannelSummary[]> {
  requireRole(scope, 'admin');
  const rows = await db
    .selectFrom('notification_channels')
    .select(['id', 'kind', 'name', 'enabled', 'config', 'created_at'])
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
  const res = await db.deleteFrom('notification_channels').where('org_id', '=', scope.orgId).where('id', '=', input.channelId).executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', 'Channel not found');
  return { deleted: true };
}

/** Enabled channels of an organisation with their secrets, for the notify job. */
export async function loadSendableChannels(db: DB, orgId: string, channelId?: string): Promise<SendableChannel[]> {
  const rows = await db
    .selectFrom('notification_channels')
    .select(['id', 'kind', 'name', 'enabled', 'config', 'created_at', 'secret_ciphertext'])
    .where('org_id', '=', orgId)
    .$if(channelId === undefined, (q) => q.where('enabled', '=', true))
    .$if(channelId !== undefined, (q) => q.where('id', '=', channelId!))
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ ...toSummary(r), secret: decryptSecret(r.secret_ciphertext) }));
}

/** The organisation a Slack workspace's slash command belongs to (its bot channel names the team). */
export async function findOrgBySlackTeam(db: DB, teamId: string): Promise<string | null> {
  const row = await db
    .selectFrom('notification_channels')
    .select('org_id')
    .where('kind', '=', 'slack-bot')
    .where('enabled', '=', true)
    .where(sql<string>`config->>'slackTeamId'`, '=', teamId)
    .executeTakeFirst();
  return row?.org_id ?? null;
}

function toSummary(r: { id: string; kind: NotificationChannelKind; name: string; enabled: boolean; config: NotificationChannelConfig; created_at: Date }): ChannelSummary {
  return { id: r.id, kind: r.kind, name: r.name, enabled: r.enabled, config: r.config ?? {}, createdAt: r.created_at };
}
