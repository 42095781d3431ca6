import { sql, type Kysely } from 'kysely';

// MCP: the organisation's MCP servers (stdio commands run in the sandbox, or Streamable HTTP
// endpoints) and, per project, which of them (and which of their tools) agents may use.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mcp_servers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // The name agents use in mcp_list_tools(server): short, lower-case, unique per organisation.
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('preset', 'text')
    // Non-secret connection settings; values may hold {{SECRET}} placeholders.
    .addColumn('config', 'jsonb', (c) => c.notNull())
    // The server's secrets ({name: value}) as one AES-GCM blob (server/auth/crypto); write-only.
    .addColumn('secret_ciphertext', 'text')
    .addColumn('timeout_ms', 'integer', (c) => c.notNull().defaultTo(30_000).check(sql`timeout_ms between 1000 and 600000`))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('mcp_servers_org_name_unique', ['org_id', 'name'])
    // Lets project access rows reference (server, org) together, so a row can never pair a
    // project with another organisation's server.
    .addUniqueConstraint('mcp_servers_id_org_unique', ['id', 'org_id'])
    .execute();

  await db.schema
    .createTable('project_mcp_servers')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('server_id', 'uuid', (c) => c.notNull())
    // null: every tool of the server; an array: only these tool names.
    .addColumn('tools', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('project_mcp_servers_pk', ['project_id', 'server_id'])
    .addForeignKeyConstraint('project_mcp_servers_server_fk', ['server_id', 'org_id'], 'mcp_servers', ['id', 'org_id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('project_mcp_servers_org_idx').on('project_mcp_servers').column('org_id').execute();
}
