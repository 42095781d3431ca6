import { sql, type Kysely } from 'kysely';

// A worker that stops gracefully (SIGTERM) hands its running tasks back after their last
// checkpoint: the attempt ends `released`, told apart from `lost` (the worker died or hung).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table task_attempts drop constraint if exists task_attempts_outcome_check`.execute(db);
  await sql`alter table task_attempts add constraint task_attempts_outcome_check check (outcome in ('succeeded','failed','cancelled','lost','retry','released'))`.execute(db);
}
