import { sql, type Kysely } from 'kysely';

// Issue 15: "every model exchange is recorded" covers the planner too. The planner runs before
// its run exists on the server (the plan-spec job creates the run from the plan), so its
// recording is keyed by its own id, tied to the spec at once and to the run when there is one.
// The lines (blobs and records, in order) are one jsonb array: a plan is a few dozen exchanges.
// Same redaction, same retention (organisations.settings.recordingRetentionDays) as tasks'.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('plan_recordings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('spec_id', 'uuid', (c) => c.references('specs.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.references('runs.id').onDelete('cascade'))
    .addColumn('header', 'jsonb', (c) => c.notNull())
    .addColumn('ending', 'jsonb')
    .addColumn('lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('plan_recordings_org_created_idx').on('plan_recordings').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('plan_recordings_run_idx').on('plan_recordings').columns(['run_id']).execute();
}
