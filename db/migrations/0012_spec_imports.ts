import { sql, type Kysely } from 'kysely';

// Issue 14: a spec created from a Spec Kit import keeps its tasks (the plan the team wrote, with
// each task's state and dependency reasons) and what the import warned about, so planning uses
// those tasks instead of asking the planner agent again.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('specs')
    .addColumn('imported_tasks', 'jsonb')
    .addColumn('import_warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}
