import type { DB } from '../db/client';

export type WebhookProvider = 'stripe' | 'github' | 'slack';

/**
 * Records that an event id was handled; false when it already was. Call inside the transaction
 * that applies the event, so a failed apply leaves the event unclaimed for the provider's retry.
 */
export async function claimWebhookEvent(db: DB, provider: WebhookProvider, eventId: string, eventType: string): Promise<boolean> {
  const row = await db
    .insertInto('processed_webhook_events')
    .values({ provider, event_id: eventId, event_type: eventType })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return !!row;
}
