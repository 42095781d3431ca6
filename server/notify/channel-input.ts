import { z } from 'zod';
import { NOTICE_KINDS } from './notice';

/**
 * Outbound URLs must be https; plain http is allowed only to this machine (local relays, tests).
 */
export const ZWebhookUrl = z
  .string()
  .trim()
  .url('must be a URL')
  .max(2000)
  .refine((v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  }, 'must be an https:// URL');

const common = {
  name: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
  /** Which notices this channel gets; omitted means all of them. */
  notices: z.array(z.enum(NOTICE_KINDS)).min(1).optional(),
};

export const ZChannelInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('slack-webhook'), webhookUrl: ZWebhookUrl, ...common }),
  z.object({
    kind: z.literal('slack-bot'),
    botToken: z.string().trim().regex(/^xox[a-z]-[\w-]+$/, 'must be a Slack bot token (xoxb-…)'),
    slackChannel: z.string().trim().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123ABCD (not the #name)'),
    slackTeamId: z.string().trim().regex(/^T[A-Z0-9]{2,}$/, 'must be a Slack team id like T0123ABCD').optional(),
    ...common,
  }),
  z.object({ kind: z.literal('discord-webhook'), webhookUrl: ZWebhookUrl, ...common }),
]);

export type ChannelInput = z.infer<typeof ZChannelInput>;
