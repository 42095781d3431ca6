import { sql, type Kysely } from 'kysely';

// Integrations: notification channels (Slack, Discord), Slack threads per run, Stripe billing,
// webhook idempotency, token usage for metering, and follow-up requests from GitHub reviews.
// Run and task ids are plain uuids without foreign keys so this file does not depend on the
// shape of the runs tables (0002), which evolve separately.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('slack-webhook','slack-bot','discord-webhook')`))
    .addColumn('name', 'text', (c) => c.notNull())
    // Non-secret settings (Slack channel id, Slack team id, notice filter).
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // The webhook URL or bot token, AES-GCM encrypted like org secrets (server/auth/crypto).
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('notification_channels_org_name_unique', ['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('slack_threads')
    .addColumn('channel_id', 'uuid', (c) => c.notNull().references('notification_channels.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('slack_channel', 'text', (c) => c.notNull())
    .addColumn('thread_ts', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('slack_threads_pk', ['channel_id', 'run_id'])
    .execute();

  await db.schema
    .createTable('billing_accounts')
    .addColumn('org_id', 'uuid', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('plan', 'text', (c) => c.notNull().defaultTo('free').check(sql`plan in ('free','pro','team')`))
    .addColumn('stripe_customer_id', 'text', (c) => c.unique())
    .addColumn('stripe_subscription_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('current_period_end', 'timestamptz')
    // `created` of the last Stripe event applied: Stripe does not order deliveries, so an older
    // event arriving late must not undo a newer one.
    .addColumn('last_event_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('processed_webhook_events')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('processed_webhook_events_pk', ['provider', 'event_id'])
    .execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid')
    .addColumn('tokens', 'bigint', (c) => c.notNull().check(sql`tokens >= 0`))
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reported_at', 'timestamptz')
    .addColumn('report_id', 'text')
    .execute();
  await db.schema.createIndex('usage_records_org_time_idx').on('usage_records').columns(['org_id', 'recorded_at']).execute();
  await sql`create index usage_records_unreported_idx on usage_records (org_id) where reported_at is null`.execute(db);

  await db.schema
    .createTable('follow_up_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('pull_request_number', 'integer', (c) => c.notNull())
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('line', 'integer')
    .addColumn('url', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The same review comment delivered twice (GitHub redelivery) makes one follow-up.
    .addUniqueConstraint('follow_up_requests_source_unique', ['org_id', 'source', 'source_id'])
    .execute();
}
