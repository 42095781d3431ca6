import { sql, type Kysely } from 'kysely';

// Addresses each account signed in from successfully (issue 18, the per-account sign-in budget):
// once an account's budget across all addresses is spent, attempts from an address it signed in
// from before still go through (under the per-address budgets), so a guesser spending it does not
// lock the owner out of their usual place. Rows older than NIGHTSHIFT_SIGNIN_REMEMBER_DAYS are
// ignored and pruned.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_addresses')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('last_signed_in_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sign_in_addresses_pkey', ['user_id', 'address'])
    .execute();
  await db.schema.createIndex('sign_in_addresses_last_idx').on('sign_in_addresses').column('last_signed_in_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_addresses').execute();
}
