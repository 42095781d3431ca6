import type { Kysely } from 'kysely';

// Each worker process beats on its own timer (not only when it happens to run the heartbeat cron
// job), with the tasks it is running, and says when it stopped: /api/health lists the live ones.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('worker_heartbeats')
    .addColumn('active_tasks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stopped_at', 'timestamptz')
    .execute();
}
