import { z } from 'zod';
import type PgBoss from 'pg-boss';
import type { JobDefinition } from './definition';
import { ZNotice, type Notice } from '../server/notify/notice';
import { dispatchNotice } from '../server/notify/dispatch';

export const NOTIFY_JOB = 'notify';

export const ZNotifyPayload = z.object({ orgId: z.string().uuid(), notice: ZNotice });
export type NotifyPayload = z.infer<typeof ZNotifyPayload>;

/**
 * Sends a notice to an organisation's Slack and Discord channels. Queued, so a slow or
 * rate-limited chat never holds up the pipeline step that produced the notice.
 */
export const notifyJob = {
  id: NOTIFY_JOB,
  payload: ZNotifyPayload,
  // Per-channel failures are reported in the job output, not retried: a retry would resend the
  // notice to channels that already got it.
  queue: { retryLimit: 0, expireInSeconds: 300 },
  async handler(data, ctx) {
    const deliveries = await dispatchNotice(ctx.db, data.orgId, data.notice);
    return { deliveries };
  },
} satisfies JobDefinition<typeof ZNotifyPayload>;

/** What pipeline code calls: `await enqueueNotice(boss, orgId, { kind: 'run.started', … })`. */
export async function enqueueNotice(boss: PgBoss, orgId: string, notice: Notice): Promise<string | null> {
  return boss.send(NOTIFY_JOB, ZNotifyPayload.parse({ orgId, notice }));
}
