import type { Kysely } from 'kysely';

// The worker planning a run, so that a worker killed mid-plan can be told from one still at it:
// the reaper re-sends the plan-run job of a run whose planner no longer holds its liveness lock.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('plan_owner', 'text').execute();
}
