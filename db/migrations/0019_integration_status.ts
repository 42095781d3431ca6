import type { Kysely } from 'kysely';

// Settings → Slack, Discord and MCP show each channel's and server's status: the outcome of the
// last delivery to a channel (a notice or "Send test"), and of the last connection test of an
// MCP server (with how many tools it listed).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notification_channels')
    .addColumn('last_delivery_at', 'timestamptz')
    .addColumn('last_delivery_ok', 'boolean')
    .addColumn('last_delivery_error', 'text')
    .execute();
  await db.schema
    .alterTable('mcp_servers')
    .addColumn('last_check_at', 'timestamptz')
    .addColumn('last_check_ok', 'boolean')
    .addColumn('last_check_error', 'text')
    .addColumn('last_check_tools', 'integer')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mcp_servers').dropColumn('last_check_at').dropColumn('last_check_ok').dropColumn('last_check_error').dropColumn('last_check_tools').execute();
  await db.schema.alterTable('notification_channels').dropColumn('last_delivery_at').dropColumn('last_delivery_ok').dropColumn('last_delivery_error').execute();
}
