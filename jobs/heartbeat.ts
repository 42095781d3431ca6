import os from 'node:os';
import { z } from 'zod';
import { sql } from 'kysely';
import type { JobDefinition } from './definition';
import type { DB } from '../server/db/client';

export const HEARTBEAT_JOB = 'heartbeat';

export async function recordHeartbeat(db: DB, workerId: string): Promise<void> {
  await db
    .insertInto('worker_heartbeats')
    .values({ worker_id: workerId, hostname: os.hostname(), pid: process.pid, beats: 1 })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ beats: sql`worker_heartbeats.beats + 1`, last_beat_at: sql`now()` }))
    .execute();
}

/** Proves the queue moves: scheduled every minute, run by whichever worker fetches it. */
export const heartbeatJob = {
  id: HEARTBEAT_JOB,
  payload: z.object({}).passthrough(),
  cron: '* * * * *',
  queue: { retryLimit: 0, expireInSeconds: 60 },
  async handler(_data, ctx) {
    await recordHeartbeat(ctx.db, ctx.workerId);
    return { workerId: ctx.workerId };
  },
} satisfies JobDefinition;
