import { sql, type Kysely } from 'kysely';

// Sign-in hardening (issue 18):
// - users.session_version: every session token carries the version it was issued at; signing out
//   or changing the password bumps it, so older tokens stop working.
// - auth_throttle: one counter row per key ("this account from this address", "this address",
//   "sign-ups from this address"), incremented atomically before a password is weighed. Replaces
//   auth_attempts, whose check-then-insert let parallel guesses through.
// - instance_settings: one row of instance-wide settings (open sign-up on or off).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('auth_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('blocked_until', 'timestamptz')
    .addColumn('last_allowed', 'boolean', (c) => c.notNull())
    // The budget the key is counted against (written with every attempt).
    .addColumn('budget_limit', 'integer', (c) => c.notNull())
    .addColumn('delay_ms', 'bigint', (c) => c.notNull())
    .addColumn('reset_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('auth_throttle_updated_idx').on('auth_throttle').column('updated_at').execute();
  await db.schema.dropTable('auth_attempts').execute();

  await db.schema
    .createTable('instance_settings')
    // A single row: the primary key can only be true.
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('open_sign_up', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
