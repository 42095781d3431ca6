import { sql, type Kysely } from 'kysely';

// The agents' shared context cache: file contents by content hash, tool results, reasoning
// traces, failed attempts and handoffs, keyed by task. Content-addressed (the ref is a hash of
// kind + content), so storing the same thing twice is one row. Task keys are free text (task id
// + role, explorer suffixes) so this table does not depend on the shape of the runs tables.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('context_cache_items')
    .addColumn('task_key', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('file','tool-result','reasoning','failed-attempt','handoff','note')`))
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('context_cache_items_pk', ['task_key', 'ref'])
    .execute();
  await db.schema.createIndex('context_cache_items_task_kind_idx').on('context_cache_items').columns(['task_key', 'kind']).execute();
}
