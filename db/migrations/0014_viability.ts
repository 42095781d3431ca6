import { sql, type Kysely } from 'kysely';

// Viability: per project, the anti-patterns learned from scans and from QA/reviewer findings that
// recur across tasks (each with a negative example and the preferred alternative, switchable and
// versioned), and the findings themselves so recurrences can be counted.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('learned_patterns')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    // A catalogue rule id (`js/sql-concat`), or `finding:<signature>` for a recurring finding no rule detects.
    .addColumn('key', 'text', (c) => c.notNull())
    // Where the pattern was first learned: a scan, recurring review findings, the self-improvement loop.
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('scan', 'review', 'rsi')`))
    // The catalogue rule that detects it, when one does (then scans, prompts and the guard find it by syntax).
    .addColumn('rule', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('critical', 'high', 'medium', 'low')`))
    .addColumn('do_not', 'text', (c) => c.notNull())
    .addColumn('instead', 'text', (c) => c.notNull())
    // The negative example from the repository: { file, line?, snippet }.
    .addColumn('example', 'jsonb')
    // Where the last scan found it: [{ file, line, snippet }], capped.
    .addColumn('locations', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    // Runs whose QA/reviewer findings (or RSI observations) showed the pattern.
    .addColumn('source_runs', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('last_scan_at', 'timestamptz')
    .addColumn('last_scan_commit', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('learned_patterns_project_key', ['project_id', 'key'])
    .execute();
  await db.schema.createIndex('learned_patterns_org').on('learned_patterns').columns(['org_id', 'project_id']).execute();

  await db.schema
    .createTable('learned_pattern_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('pattern_id', 'uuid', (c) => c.notNull().references('learned_patterns.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('do_not', 'text', (c) => c.notNull())
    .addColumn('instead', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('example', 'jsonb')
    // learned | edited | switched | reverted | relearned
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('author_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('learned_pattern_versions_unique', ['pattern_id', 'version'])
    .execute();

  await db.schema
    .createTable('review_findings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('task_id', 'uuid', (c) => c.references('tasks.id').onDelete('set null'))
    // qa | reviewer | guard
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('rule', 'text')
    // The message's signature: findings with the same rule or signature are one recurring pattern.
    .addColumn('cluster', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('file', 'text')
    .addColumn('line', 'integer')
    .addColumn('evidence', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('review_findings_cluster').on('review_findings').columns(['project_id', 'cluster']).execute();
}
