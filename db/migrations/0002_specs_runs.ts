import { sql, type Kysely } from 'kysely';

// Specs, runs, tasks and what makes a task resumable (checkpoints, attempts, idempotent commits),
// plus pull requests. Forward-only: later changes get their own file.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('specs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('markdown', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('findings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status in ('draft','submitted','accepted','rejected')`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('specs_org_project_idx').on('specs').columns(['org_id', 'project_id', 'updated_at']).execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('spec_id', 'uuid', (c) => c.notNull().references('specs.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`status in ('queued','planning','running','succeeded','failed','cancelled')`),
    )
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('forecast', 'jsonb')
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    // Transactional outbox: a started run waits here until a scheduler sends its plan-run job.
    .addColumn('plan_job_id', 'uuid')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('runs_org_idx').on('runs').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('runs_status_idx').on('runs').column('status').where(sql.ref('status'), 'in', ['planning', 'running']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('files', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('depends_on', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // Producer task keys whose branch must have landed (contract edges), not merely finished.
    .addColumn('wait_for_merge', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('repo', 'text')
    .addColumn('wave', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','blocked','queued','running','succeeded','failed','cancelled','dead')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('branch', 'text')
    .addColumn('commit_sha', 'text')
    .addColumn('job_id', 'uuid')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('queued_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('first_started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('landed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('tasks_run_key_unique', ['run_id', 'key'])
    .execute();
  await db.schema.createIndex('tasks_org_idx').on('tasks').column('org_id').execute();
  // The dispatcher and the reaper only ever look at unfinished tasks.
  await db.schema
    .createIndex('tasks_active_idx')
    .on('tasks')
    .columns(['status', 'run_id'])
    .where(sql.ref('status'), 'in', ['pending', 'blocked', 'queued', 'running'])
    .execute();

  await db.schema
    .createTable('task_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('resumed_from_turn', 'integer')
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('succeeded','failed','cancelled','lost','retry')`))
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('task_attempts_task_idx').on('task_attempts').column('task_id').execute();

  await db.schema
    .createTable('task_checkpoints')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('task_checkpoints_task_turn_unique', ['task_id', 'turn'])
    .execute();

  // One row per side effect that must happen once (a commit, a push): written as `pending` before
  // the effect and `done` after, so a resumed task knows to look before doing it again.
  await db.schema
    .createTable('task_commits')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','done')`))
    .addColumn('result', 'jsonb')
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addPrimaryKeyConstraint('task_commits_pk', ['task_id', 'key'])
    .execute();

  await db.schema
    .createTable('pull_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('task_id', 'uuid', (c) => c.references('tasks.id').onDelete('set null'))
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('base', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('diff', 'text')
    .addColumn('url', 'text')
    .addColumn('number', 'integer')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('open').check(sql`state in ('open','closed','merged')`))
    .addColumn('draft', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('provider', 'text', (c) => c.notNull().defaultTo('local'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('pull_requests_project_branch_unique', ['project_id', 'branch'])
    .execute();
  await db.schema.createIndex('pull_requests_org_idx').on('pull_requests').columns(['org_id', 'created_at']).execute();
}
