import { sql, type Kysely } from 'kysely';

// Issue 21: each setup of a project's dependencies (install or cache hit), so the project page
// shows the environment (command, last setup, duration, size, toolchain check, failures with the
// log) and a run's report can list its setup step.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('env_setups')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('task_id', 'uuid', (c) => c.references('tasks.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ready', 'failed', 'none')`))
    // script | settings | detected | none
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('stacks', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('command', 'text')
    .addColumn('cache_key', 'text')
    .addColumn('cached', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint')
    .addColumn('toolchain', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // The setup log, capped (the installer's output and every egress decision).
    .addColumn('log', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('env_setups_project_idx').on('env_setups').columns(['org_id', 'project_id', 'created_at']).execute();
}
