import { sql, type Kysely } from 'kysely';

// One executor for every path (issue 19):
// - runs.runner: who drives the run's tasks. `scheduler` (pg-boss workers) or `cli` (a
//   `nightshift run`/`nightshift agent` process on this data directory's database): the
//   scheduler's dispatcher and reaper leave `cli` runs to their process (it holds the tasks'
//   leases and the run's plan_owner under its liveness lock).
// - runs.base_branch: the branch the run's tasks start from when it is not the project's default
//   (a CLI run starts from the branch checked out in the user's repository).
// - tasks.remediation_of: the key of the task whose QA or review split this one off; remediation
//   tasks spawn none of their own (pipeline/remediation.ts MAX_REMEDIATION_DEPTH).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('runs')
    .addColumn('runner', 'text', (c) => c.notNull().defaultTo('scheduler').check(sql`runner in ('scheduler', 'cli')`))
    .addColumn('base_branch', 'text')
    .execute();
  await db.schema.alterTable('tasks').addColumn('remediation_of', 'text').execute();
}
