import { Emitter } from '@socket.io/postgres-emitter';
import type pg from 'pg';
import type { DB } from '../db/client';
import { orgRoom, runRoom, type EventEnvelope, type RealtimeEvent, type ServerToClientEvents } from './events';

export type Publisher = (orgId: string, event: RealtimeEvent) => Promise<EventEnvelope>;

/**
 * Stores the event (its sequence number is the table's) and sends it to every web process through
 * Postgres NOTIFY, whichever process — web or worker — produced it.
 */
export function createPublisher(db: DB, pool: pg.Pool): Publisher {
  const emitter = new Emitter<ServerToClientEvents>(pool);
  return async (orgId, event) => {
    const runId = 'runId' in event ? event.runId : null;
    const row = await db
      .insertInto('events')
      .values({ org_id: orgId, run_id: runId, type: event.type, payload: JSON.stringify(event) })
      .returning(['seq', 'created_at'])
      .executeTakeFirstOrThrow();
    const envelope: EventEnvelope = { ...event, seq: row.seq, orgId, at: new Date(row.created_at).toISOString() };
    const rooms = runId ? [orgRoom(orgId), runRoom(runId)] : [orgRoom(orgId)];
    emitter.to(rooms).emit('event', envelope);
    return envelope;
  };
}

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
