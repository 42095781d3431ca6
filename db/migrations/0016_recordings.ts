import { sql, type Kysely } from 'kysely';

// Issue 15: every run is recorded. One recording per task (a resumed or retried task continues
// it): its header and ending, the records in order (model exchanges, tool calls, sandbox
// commands, checkpoints) and the request texts their digests name, each stored once. Rows carry
// org_id for tenant-scoped reads; organisations.settings.recordingRetentionDays (default 30)
// decides how long they are kept (jobs/prune-recordings.ts, and on every new recording).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('task_recordings')
    .addColumn('task_id', 'uuid', (c) => c.primaryKey().references('tasks.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('header', 'jsonb', (c) => c.notNull())
    .addColumn('ending', 'jsonb')
    .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('task_recordings_org_created_idx').on('task_recordings').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('task_recordings_run_idx').on('task_recordings').columns(['run_id']).execute();

  await db.schema
    .createTable('recording_entries')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('task_recordings.task_id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('model', 'tool', 'command', 'checkpoint')`))
    .addColumn('role', 'text')
    .addColumn('cycle', 'integer')
    .addColumn('turn', 'integer')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('recording_entries_pk', ['task_id', 'seq'])
    .execute();

  await db.schema
    .createTable('recording_blobs')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('task_recordings.task_id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('recording_blobs_pk', ['task_id', 'hash'])
    .execute();
}
