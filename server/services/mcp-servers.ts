import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { decryptSecret, encryptSecret } from '../auth/crypto';
import { DEFAULT_MCP_TIMEOUT_MS, ZMcpServerConfig, type McpServerConfig } from '../mcp/config-schema';
import { placeholderNames } from '../mcp/placeholders';
import { findPreset } from '../mcp/presets';
import type { McpServerEntry } from '../mcp/types';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/**
 * The organisation's MCP servers and each project's access to them. Secrets are write-only:
 * stored as one encrypted JSON object per server, listed by name, never returned.
 */

type ServerRow = {
  id: string;
  name: string;
  description: string;
  preset: string | null;
  config: unknown;
  secret_ciphertext: string | null;
  timeout_ms: number;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  last_check_at: Date | null;
  last_check_ok: boolean | null;
  last_check_error: string | null;
  last_check_tools: number | null;
};

function parseConfig(raw: unknown): McpServerConfig {
  const parsed = ZMcpServerConfig.safeParse(raw);
  // Rows are written through the same schema; a failure means a hand-edited row.
  if (!parsed.success) throw new AppError('INTERNAL_SERVER_ERROR', 'A stored MCP server configuration is invalid; edit and save it again');
  return parsed.data;
}

function readSecrets(ciphertext: string | null): Record<string, string> {
  return ciphertext ? (JSON.parse(decryptSecret(ciphertext)) as Record<string, string>) : {};
}

function sealSecrets(secrets: Record<string, string>): string | null {
  return Object.keys(secrets).length ? encryptSecret(JSON.stringify(secrets)) : null;
}

/** What admins see: the configuration, secret names, and which referenced secrets are missing. */
function toView(row: ServerRow) {
  const config = parseConfig(row.config);
  const secretNames = Object.keys(readSecrets(row.secret_ciphertext)).sort();
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    preset: row.preset,
    transport: config.transport,
    config,
    secretNames,
    missingSecrets: placeholderNames(config).filter((n) => !secretNames.includes(n)),
    timeoutMs: row.timeout_ms,
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    /** The last "Test": when, whether it connected, its error or how many tools it listed. */
    lastCheck: row.last_check_at ? { at: row.last_check_at, ok: row.last_check_ok === true, error: row.last_check_error, tools: row.last_check_tools } : null,
  };
}

async function serverRow(db: DB, orgId: string, serverId: string): Promise<ServerRow> {
  const row = await db.selectFrom('mcp_servers').selectAll().where('org_id', '=', orgId).where('id', '=', serverId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'MCP server not found');
  return row as ServerRow;
}

export async function listMcpServers(db: DB, scope: OrgScope) {
  requireRole(scope, 'admin');
  const rows = await db.selectFrom('mcp_servers').selectAll().where('org_id', '=', scope.orgId).orderBy('name').execute();
  return rows.map((r) => toView(r as ServerRow));
}

export type CreateMcpServerInput = {
  name: string;
  description?: string;
  preset?: string;
  config?: McpServerConfig;
  secrets?: Record<string, string>;
  timeoutMs?: number;
  enabled?: boolean;
};

/** Creates a server; with a preset, its configuration and description are the defaults. */
export async function createMcpServer(db: DB, scope: OrgScope, input: CreateMcpServerInput) {
  requireRole(scope, 'admin');
  const preset = input.preset ? findPreset(input.preset) : undefined;
  if (input.preset && !preset) throw new AppError('BAD_REQUEST', `Unknown MCP preset "${input.preset}"`);
  const config = input.config ?? preset?.config;
  if (!config) throw new AppError('BAD_REQUEST', 'Give a configuration (stdio command or HTTP URL) or choose a preset');
  const row = await db
    .insertInto('mcp_servers')
    .values({
      org_id: scope.orgId,
      name: input.name,
      description: input.description ?? preset?.description ?? '',
      preset: preset?.id ?? null,
      config: JSON.stringify(config),
      secret_ciphertext: sealSecrets(input.secrets ?? {}),
      timeout_ms: input.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS,
      enabled: input.enabled ?? true,
    })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('CONFLICT', `An MCP server named "${input.name}" already exists in this organization`);
  return toView(row as ServerRow);
}

export type UpdateMcpServerInput = {
  serverId: string;
  name?: string;
  description?: string;
  config?: McpServerConfig;
  /** Sets the given secrets; `null` removes one; absent names are kept. */
  secrets?: Record<string, string | null>;
  timeoutMs?: number;
  enabled?: boolean;
};

export async function updateMcpServer(db: DB, scope: OrgScope, input: UpdateMcpServerInput) {
  requireRole(scope, 'admin');
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('mcp_servers')
      .selectAll()
      .where('org_id', '=', scope.orgId)
      .where('id', '=', input.serverId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new AppError('NOT_FOUND', 'MCP server not found');
    let secretCiphertext = current.secret_ciphertext;
    if (input.secrets) {
      const secrets = readSecrets(current.secret_ciphertext);
      for (const [name, value] of Object.entries(input.secrets)) {
        if (value === null) delete secrets[name];
        else secrets[name] = value;
      }
      secretCiphertext = sealSecrets(secrets);
    }
    if (input.name && input.name !== current.name) {
      const taken = await trx.selectFrom('mcp_servers').select('id').where('org_id', '=', scope.orgId).where('name', '=', input.name).executeTakeFirst();
      if (taken) throw new AppError('CONFLICT', `An MCP server named "${input.name}" already exists in this organization`);
    }
    const row = await trx
      .updateTable('mcp_servers')
      .set({
        ...(input.name ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.config ? { config: JSON.stringify(input.config) } : {}),
        ...(input.timeoutMs !== undefined ? { timeout_ms: input.timeoutMs } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        secret_ciphertext: secretCiphertext,
        updated_at: new Date(),
      })
      .where('org_id', '=', scope.orgId)
      .where('id', '=', input.serverId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toView(row as ServerRow);
  });
}

export async function deleteMcpServer(db: DB, scope: OrgScope, input: { serverId: string }) {
  requireRole(scope, 'admin');
  const res = await db.deleteFrom('mcp_servers').where('org_id', '=', scope.orgId).where('id', '=', input.serverId).executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', 'MCP server not found');
  return { deleted: true };
}

async function ensureProject(db: DB, orgId: string, projectId: string): Promise<void> {
  const p = await db.selectFrom('projects').select('id').where('org_id', '=', orgId).where('id', '=', projectId).executeTakeFirst();
  if (!p) throw new AppError('NOT_FOUND', 'Project not found');
}

/** Every enabled server of the organisation, with whether (and which tools) the project uses. */
export async function getProjectMcpAccess(db: DB, scope: OrgScope, input: { projectId: string }) {
  await ensureProject(db, scope.orgId, input.projectId);
  const rows = await db
    .selectFrom('mcp_servers as s')
    .leftJoin('project_mcp_servers as p', (j) => j.onRef('p.server_id', '=', 's.id').on('p.project_id', '=', input.projectId).on('p.org_id', '=', scope.orgId))
    .select(['s.id', 's.name', 's.description', 's.enabled', 'p.server_id as linked', 'p.tools'])
    .where('s.org_id', '=', scope.orgId)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({
    serverId: r.id,
    name: r.name,
    description: r.description,
    serverEnabled: r.enabled,
    enabled: r.linked !== null,
    tools: (r.tools ?? null) as string[] | null,
  }));
}

/** Turns a server on or off for a project and sets its tool allow-list (null: all tools). */
export async function setProjectMcpAccess(db: DB, scope: OrgScope, input: { projectId: string; serverId: string; enabled: boolean; tools?: string[] | null }) {
  requireRole(scope, 'member');
  await ensureProject(db, scope.orgId, input.projectId);
  await serverRow(db, scope.orgId, input.serverId);
  if (!input.enabled) {
    await db
      .deleteFrom('project_mcp_servers')
      .where('org_id', '=', scope.orgId)
      .where('project_id', '=', input.projectId)
      .where('server_id', '=', input.serverId)
      .execute();
  } else {
    const tools = input.tools === undefined || input.tools === null ? null : JSON.stringify([...new Set(input.tools)]);
    await db
      .insertInto('project_mcp_servers')
      .values({ org_id: scope.orgId, project_id: input.projectId, server_id: input.serverId, tools })
      .onConflict((oc) => oc.columns(['project_id', 'server_id']).doUpdateSet({ tools, updated_at: new Date() }).where('project_mcp_servers.org_id', '=', scope.orgId))
      .execute();
  }
  return getProjectMcpAccess(db, scope, { projectId: input.projectId });
}

function toEntry(row: ServerRow, allowedTools: string[] | null): McpServerEntry {
  return {
    name: row.name,
    description: row.description,
    config: parseConfig(row.config),
    secrets: readSecrets(row.secret_ciphertext),
    allowedTools,
    timeoutMs: row.timeout_ms,
  };
}

/**
 * Server-side only (a run's worker): the enabled servers a project may use, secrets decrypted,
 * ready for createMcpClientManager. Never exposed through tRPC.
 */
export async function loadProjectMcpServers(db: DB, orgId: string, projectId: string): Promise<McpServerEntry[]> {
  const rows = await db
    .selectFrom('project_mcp_servers as p')
    .innerJoin('mcp_servers as s', (j) => j.onRef('s.id', '=', 'p.server_id').onRef('s.org_id', '=', 'p.org_id'))
    .selectAll('s')
    .select('p.tools as allowed_tools')
    .where('p.org_id', '=', orgId)
    .where('p.project_id', '=', projectId)
    .where('s.enabled', '=', true)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => toEntry(r as unknown as ServerRow, (r.allowed_tools ?? null) as string[] | null));
}

/** One server as a run would see it (all tools), for the admin's "test connection". */
export async function loadMcpServerEntry(db: DB, scope: OrgScope, serverId: string): Promise<McpServerEntry> {
  requireRole(scope, 'admin');
  return toEntry(await serverRow(db, scope.orgId, serverId), null);
}

/** Keeps the outcome of a connection test on the server, for its status in Settings. */
export async function recordMcpServerCheck(db: DB, scope: OrgScope, serverId: string, outcome: { ok: true; tools: string[] } | { ok: false; error: string }) {
  requireRole(scope, 'admin');
  await db
    .updateTable('mcp_servers')
    .set({
      last_check_at: new Date(),
      last_check_ok: outcome.ok,
      last_check_error: outcome.ok ? null : outcome.error.slice(0, 500),
      last_check_tools: outcome.ok ? outcome.tools.length : null,
    })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', serverId)
    .execute();
}
