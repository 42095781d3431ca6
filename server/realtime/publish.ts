import { Emitter } from '@socket.io/postgres-emitter';
import type pg from 'pg';
import type { DB } from '../db/client';
import { storeEvent } from '../services/events';
import { orgRoom, runRoom, type EventEnvelope, type RealtimeEvent, type ServerToClientEvents } from './events';

export type Publisher = (orgId: string, event: RealtimeEvent) => Promise<EventEnvelope>;

/**
 * Stores the event (its sequence number is the table's) and sends it to every web process through
 * Postgres NOTIFY, whichever process — web or worker — produced it.
 */
export function createPublisher(db: DB, pool: pg.Pool): Publisher {
  const emitter = new Emitter<ServerToClientEvents>(pool);
  return async (orgId, event) => {
    const envelope = await storeEvent(db, orgId, event);
    const runId = 'runId' in event ? event.runId : undefined;
    const rooms = runId ? [orgRoom(orgId), runRoom(runId)] : [orgRoom(orgId)];
    emitter.to(rooms).emit('event', envelope);
    return envelope;
  };
}
