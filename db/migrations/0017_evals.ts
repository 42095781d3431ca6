import { sql, type Kysely } from 'kysely';

// Evals (issue 15): per organisation, each eval run of a suite (its model, mode and prompt
// versions, the pass rate, cost, tokens and duration), one row per task attempt (each attempt is a
// run like any other: runs.id), and the regression found against the previous run of the suite.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('eval_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // The suite's name (suite.json), and where it came from: the built-in suite or a folder.
    .addColumn('suite', 'text', (c) => c.notNull())
    .addColumn('suite_source', 'text', (c) => c.notNull().check(sql`suite_source in ('builtin', 'folder')`))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('agent', 'pipeline')`))
    .addColumn('repeat', 'integer', (c) => c.notNull().defaultTo(1).check(sql`repeat > 0`))
    // Attempts planned (tasks × repeat): progress while it runs.
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'finished', 'failed', 'cancelled')`))
    // cli: `nightshift eval run`; server: the eval-run job started from the Evals page.
    .addColumn('runner', 'text', (c) => c.notNull().check(sql`runner in ('cli', 'server')`))
    // Prompt id → version the roles ran with, and a short digest of them to group runs by.
    .addColumn('prompt_versions', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('prompt_version', 'text')
    .addColumn('pass_rate', 'double precision')
    .addColumn('passed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    // The previous finished run of the same suite it was compared with, and the tasks that regressed.
    .addColumn('compared_to', 'uuid', (c) => c.references('eval_runs.id').onDelete('set null'))
    .addColumn('regressions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('job_id', 'text')
    .addColumn('started_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('eval_runs_org_suite').on('eval_runs').columns(['org_id', 'suite', 'created_at']).execute();

  await db.schema
    .createTable('eval_results')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('eval_run_id', 'uuid', (c) => c.notNull().references('eval_runs.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // The suite's task id (its folder name) and the 1-based repetition.
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().check(sql`attempt > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('passed', 'failed', 'error')`))
    .addColumn('verify_exit_code', 'integer')
    .addColumn('turns', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('run_id', 'uuid', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('branch', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('eval_results_attempt', ['eval_run_id', 'task', 'attempt'])
    .execute();
  await db.schema.createIndex('eval_results_org').on('eval_results').columns(['org_id', 'eval_run_id']).execute();
}
