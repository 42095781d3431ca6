/**
 * Settings of the setup phase (server/env): an organisation's registries (the allow-list beyond
 * the defaults, mirrors, and which of its secrets is the token for which registry host) and a
 * project's setup command and extra cache paths. Tenant-scoped like every service; token values
 * are read only by {@link loadEnvSetupInputs}, server-side, for the fenced setup sandbox.
 */
import type { DB } from '../db/client';
import type { OrgRegistrySettings, ProjectEnvSettingsDoc } from '../db/schema';
import { AppError } from '../errors/app-error';
import { DEFAULT_REGISTRIES, effectiveAllowList, isAllowed, parseAllowEntry } from '../env/allow-list';
import type { ProjectEnvSettings } from '../env/detect';
import type { RegistrySettings, RegistryToken } from '../env/setup';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';
import { readSecret } from './secrets';

export type { OrgRegistrySettings, ProjectEnvSettingsDoc } from '../db/schema';

function normalise(s: Partial<OrgRegistrySettings> | undefined): OrgRegistrySettings {
  return {
    extra: s?.extra ?? [],
    replaceDefaults: s?.replaceDefaults ?? false,
    urls: s?.urls ?? {},
    tokens: s?.tokens ?? [],
  };
}

async function orgRegistries(db: DB, orgId: string): Promise<OrgRegistrySettings> {
  const row = await db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Organization not found');
  return normalise(row.settings?.registries);
}

/** `host` or `host:port` of a token binding, as the allow-list would match it. */
function bindingTarget(host: string): { host: string; port: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(host);
  return { host: m![1], port: m?.[2] ? Number(m[2]) : 443 };
}

/**
 * The organisation's registry settings as the Settings page shows them: its lists, the default
 * registries, and for each token binding whether the named secret exists (never its value).
 */
export async function getOrgRegistries(db: DB, scope: OrgScope) {
  requireRole(scope, 'member');
  const s = await orgRegistries(db, scope.orgId);
  const names = s.tokens.map((t) => t.secret);
  const present = names.length
    ? new Set((await db.selectFrom('org_secrets').select('name').where('org_id', '=', scope.orgId).where('name', 'in', names).execute()).map((r) => r.name))
    : new Set<string>();
  return {
    ...s,
    defaults: [...DEFAULT_REGISTRIES],
    tokens: s.tokens.map((t) => ({ ...t, secretSet: present.has(t.secret) })),
  };
}

/**
 * Replaces the organisation's registry settings (admins). Every entry must parse; a token may be
 * bound only to a host setup can reach (a default, an extra entry or a mirror's host), since a
 * token for an unreachable host could only ever be sent nowhere — or somewhere unintended.
 */
export async function setOrgRegistries(db: DB, scope: OrgScope, input: OrgRegistrySettings) {
  requireRole(scope, 'admin');
  const next = normalise(input);
  for (const e of next.extra) {
    try {
      parseAllowEntry(e);
    } catch (err) {
      throw new AppError('BAD_REQUEST', (err as Error).message);
    }
  }
  const allow = effectiveAllowList({ extra: next.extra, replaceDefaults: next.replaceDefaults, registryUrls: Object.values(next.urls).filter((u): u is string => Boolean(u)) });
  const seen = new Set<string>();
  for (const t of next.tokens) {
    const target = bindingTarget(t.host);
    if (!isAllowed(allow, target.host, target.port)) {
      throw new AppError('BAD_REQUEST', `The token ${t.secret} is bound to ${t.host}, which setup may not reach: add it to the allowed registries first`);
    }
    if (seen.has(t.host)) throw new AppError('BAD_REQUEST', `${t.host} has two tokens; bind one secret per registry host`);
    seen.add(t.host);
  }
  await db
    .updateTable('organizations')
    .set((eb) => ({ settings: eb.fn('jsonb_set', [eb.fn.coalesce('settings', eb.val('{}')), eb.val('{registries}'), eb.val(JSON.stringify(next))]) }))
    .where('id', '=', scope.orgId)
    .execute();
  return getOrgRegistries(db, scope);
}

async function projectSettingsDoc(db: DB, scope: OrgScope, projectId: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('projects').select('settings').where('org_id', '=', scope.orgId).where('id', '=', projectId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Project not found');
  return (row.settings ?? {}) as Record<string, unknown>;
}

/** The project's setup command and extra cache paths (empty when unset). */
export async function getProjectEnvSettings(db: DB, scope: OrgScope, projectId: string): Promise<Required<ProjectEnvSettingsDoc>> {
  const doc = await projectSettingsDoc(db, scope, projectId);
  const env = (doc.env ?? {}) as ProjectEnvSettingsDoc;
  return { setupCommand: env.setupCommand ?? null, cachePaths: env.cachePaths ?? [] };
}

/** Sets them (members); a blank command goes back to detection. Other project settings stay. */
export async function setProjectEnvSettings(db: DB, scope: OrgScope, input: { projectId: string; setupCommand: string | null; cachePaths: string[] }) {
  requireRole(scope, 'member');
  await projectSettingsDoc(db, scope, input.projectId);
  const env: ProjectEnvSettingsDoc = { setupCommand: input.setupCommand?.trim() || null, cachePaths: input.cachePaths };
  await db
    .updateTable('projects')
    .set((eb) => ({ settings: eb.fn('jsonb_set', [eb.fn.coalesce('settings', eb.val('{}')), eb.val('{env}'), eb.val(JSON.stringify(env))]) }))
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.projectId)
    .execute();
  return getProjectEnvSettings(db, scope, input.projectId);
}

export type EnvSetupInputs = {
  settings: ProjectEnvSettings;
  registries: RegistrySettings;
  /** Registry credentials for the setup sandbox only. */
  tokens: RegistryToken[];
  /** Lines for the setup log: bindings whose secret is missing. */
  notes: string[];
};

/**
 * Server-side only (the task executor and the "set up now" job): what a setup of this project
 * needs, with the bound secrets decrypted. Never exposed through tRPC.
 */
export async function loadEnvSetupInputs(db: DB, orgId: string, projectId: string): Promise<EnvSetupInputs> {
  const scope: OrgScope = { orgId, userId: null, role: 'viewer' };
  const [project, org] = await Promise.all([getProjectEnvSettings(db, scope, projectId), orgRegistries(db, orgId)]);
  const tokens: RegistryToken[] = [];
  const notes: string[] = [];
  for (const t of org.tokens) {
    let value: string | null = null;
    try {
      value = await readSecret(db, orgId, t.secret);
    } catch {
      /* rotated key: reported below like a missing one */
    }
    if (value) tokens.push({ host: t.host, token: value.trim() });
    else notes.push(`registry token ${t.secret} for ${t.host} is not set (Settings → Secrets): installing without it`);
  }
  return {
    settings: { ...(project.setupCommand ? { setupCommand: project.setupCommand } : {}), ...(project.cachePaths.length ? { cachePaths: project.cachePaths } : {}) },
    registries: { extra: org.extra, replaceDefaults: org.replaceDefaults, urls: org.urls },
    tokens,
    notes,
  };
}
