import { sql, type Kysely } from 'kysely';

// Agent settings per organisation: which skills agents get (built-in ones switched off, skills an
// admin uploaded) and versioned overrides of the built-in prompt files.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('org_skills')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // The skill's kebab-case name: a built-in one (a row only records its switch) or an uploaded one.
    .addColumn('name', 'text', (c) => c.notNull())
    // The uploaded SKILL.md text; null for a built-in skill, whose manifest stays on disk.
    .addColumn('manifest', 'text')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_skills_pk', ['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('prompt_overrides')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // Path of the built-in file under prompts/, e.g. roles/developer.md.
    .addColumn('prompt_path', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    // The file's full text (frontmatter + body); null marks a revert to the built-in file.
    .addColumn('content', 'text')
    .addColumn('author_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Two admins saving at once cannot both write version N: one gets a conflict and retries.
    .addUniqueConstraint('prompt_overrides_version_unique', ['org_id', 'prompt_path', 'version'])
    .execute();
}
