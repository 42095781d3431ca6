import type { DB } from '../db/client';
import type { EventEnvelope, RealtimeEvent } from '../realtime/events';

/** Stores a live event; its sequence number (the table's) orders the run's stream without gaps. */
export async function storeEvent(db: DB, orgId: string, event: RealtimeEvent): Promise<EventEnvelope> {
  const runId = 'runId' in event ? event.runId : null;
  const row = await db
    .insertInto('events')
    .values({ org_id: orgId, run_id: runId, type: event.type, payload: JSON.stringify(event) })
    .returning(['seq', 'created_at'])
    .executeTakeFirstOrThrow();
  return { ...event, seq: row.seq, orgId, at: new Date(row.created_at).toISOString() };
}

/** A run's events after `afterSeq` (all when absent), for a browser that (re)subscribes. */
export async function eventsSince(db: DB, orgId: string, runId: string, afterSeq: string | undefined): Promise<EventEnvelope[]> {
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'payload', 'created_at'])
    .where('org_id', '=', orgId)
    .where('run_id', '=', runId)
    .$if(afterSeq !== undefined, (q) => q.where('seq', '>', afterSeq!))
    .orderBy('seq')
    .limit(5000)
    .execute();
  return rows.map((r) => ({ ...(r.payload as RealtimeEvent), seq: r.seq, orgId, at: new Date(r.created_at).toISOString() }));
}
