import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { OrgSettings } from '../db/schema';
import { AppError } from '../errors/app-error';
import { MODEL_ROLES, modelNameProblem, type DefaultModels } from '../pipeline/role-models';
import { checkPromptOverride, listPromptFiles, readBuiltInPrompt } from '../prompts/org-overrides';
import { loadSkillLibrary, type SkillLibrary } from '../skills/library';
import { orgSkillLibrary, parseSkillOverride, parseUploadedSkill, type UploadedSkill } from '../skills/org-library';
import { requireRole } from './orgs';
import { chooseModelName, defaultModelName, type OrgModelChoice } from '../llm/model-factory';
import type { OrgScope } from './scope';

/**
 * What an organisation's agents run with: a default model per role, which skills they get
 * (built-in ones switched off, uploaded ones), and versioned overrides of the built-in prompts.
 * Reads are open to every member; every write needs the admin role.
 */

/** How many times a prompt save retries when another admin took the same version number. */
const VERSION_RACE_RETRIES = 3;

// ---- default models ------------------------------------------------------------------------

function defaultModelsOf(settings: unknown): DefaultModels {
  const raw = ((settings ?? {}) as OrgSettings).defaultModels ?? {};
  const out: DefaultModels = {};
  for (const role of MODEL_ROLES) if (typeof raw[role] === 'string' && raw[role]) out[role] = raw[role];
  return out;
}

function defaultModelOf(settings: unknown): string | null {
  const raw = ((settings ?? {}) as OrgSettings).defaultModel;
  return typeof raw === 'string' && raw && modelNameProblem(raw) === null ? raw : null;
}

/**
 * The organisation's model choice: its default model (null: the deployment's), a model per role,
 * and what the deployment falls back to — so a page can say which model each use gets.
 */
export async function getDefaultModels(db: DB, scope: OrgScope) {
  const org = await db.selectFrom('organizations').select('settings').where('id', '=', scope.orgId).executeTakeFirst();
  if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
  return { roles: [...MODEL_ROLES], models: defaultModelsOf(org.settings), defaultModel: defaultModelOf(org.settings), deploymentDefault: defaultModelName() };
}

/** What an organisation chose, for {@link chooseModelName} (server-side; no role check). */
export async function loadOrgModelChoice(db: DB, orgId: string): Promise<OrgModelChoice> {
  const org = await db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirst();
  return { defaultModel: defaultModelOf(org?.settings), roles: defaultModelsOf(org?.settings) };
}

/**
 * The model a use of an organisation runs with (planner, a role, Ask, evals, a run started
 * without one): the explicit choice, the org's model for the role, the org's default, the deployment's.
 * @example await orgModelName(db, orgId, { role: 'planner' })
 */
export async function orgModelName(db: DB, orgId: string, use: { explicit?: string | null; role?: string } = {}): Promise<string> {
  return chooseModelName(use, await loadOrgModelChoice(db, orgId));
}

/**
 * Replaces the whole map: a role left out (or blank) falls back to the task's model. With
 * `defaultModel` (blank: none), the organisation's default model is set too.
 */
export async function setDefaultModels(db: DB, scope: OrgScope, input: { models: Record<string, string | undefined>; defaultModel?: string }) {
  requireRole(scope, 'admin');
  let defaultModel: string | null | undefined;
  if (input.defaultModel !== undefined) {
    defaultModel = input.defaultModel.trim() || null;
    const problem = defaultModel ? modelNameProblem(defaultModel) : null;
    if (problem) throw new AppError('BAD_REQUEST', `default model: ${problem}`);
  }
  const models: DefaultModels = {};
  for (const [role, value] of Object.entries(input.models)) {
    if (!(MODEL_ROLES as readonly string[]).includes(role)) throw new AppError('BAD_REQUEST', `"${role}" is not a role; roles are ${MODEL_ROLES.join(', ')}`);
    const name = value?.trim();
    if (!name) continue;
    const problem = modelNameProblem(name);
    if (problem) throw new AppError('BAD_REQUEST', `${role}: ${problem}`);
    models[role as keyof DefaultModels] = name;
  }
  // A jsonb merge in the query, so a concurrent change to another setting is not overwritten.
  const res = await db
    .updateTable('organizations')
    .set({
      settings:
        defaultModel === undefined
          ? sql`coalesce(settings, '{}'::jsonb) || jsonb_build_object('defaultModels', ${JSON.stringify(models)}::jsonb)`
          : sql`coalesce(settings, '{}'::jsonb) || jsonb_build_object('defaultModels', ${JSON.stringify(models)}::jsonb, 'defaultModel', ${JSON.stringify(defaultModel)}::jsonb)`,
    })
    .where('id', '=', scope.orgId)
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new AppError('NOT_FOUND', 'Organization not found');
  return getDefaultModels(db, scope);
}

// ---- skills --------------------------------------------------------------------------------

export type SkillView = { name: string; description: string; category: string; source: 'built-in' | 'uploaded'; enabled: boolean; error: string | null };

export async function listSkills(db: DB, scope: OrgScope, base: SkillLibrary = loadSkillLibrary()): Promise<SkillView[]> {
  const rows = await db.selectFrom('org_skills').select(['name', 'manifest', 'enabled']).where('org_id', '=', scope.orgId).execute();
  const byName = new Map(rows.map((r) => [r.name, r]));
  const out: SkillView[] = [...base.skills.values()].map((s) => ({
    name: s.name,
    description: s.description,
    category: s.category,
    source: 'built-in',
    enabled: byName.get(s.name)?.enabled ?? true,
    error: null,
  }));
  for (const r of rows) {
    if (r.manifest === null || base.skills.has(r.name)) continue;
    const parsed = parseUploadedSkill(r.name, r.manifest);
    out.push({
      name: r.name,
      description: parsed.ok ? parsed.skill.description : '',
      category: parsed.ok ? parsed.skill.category : 'general',
      source: 'uploaded',
      enabled: r.enabled,
      error: parsed.ok ? null : parsed.error,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function setSkillEnabled(db: DB, scope: OrgScope, input: { name: string; enabled: boolean }, base: SkillLibrary = loadSkillLibrary()) {
  requireRole(scope, 'admin');
  if (base.skills.has(input.name)) {
    await db
      .insertInto('org_skills')
      .values({ org_id: scope.orgId, name: input.name, manifest: null, enabled: input.enabled, updated_by: scope.userId })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ enabled: input.enabled, updated_by: scope.userId, updated_at: new Date() }))
      .execute();
  } else {
    const res = await db
      .updateTable('org_skills')
      .set({ enabled: input.enabled, updated_by: scope.userId, updated_at: new Date() })
      .where('org_id', '=', scope.orgId)
      .where('name', '=', input.name)
      .where('manifest', 'is not', null)
      .executeTakeFirst();
    if (!res.numUpdatedRows) throw new AppError('NOT_FOUND', `No skill named "${input.name}"`);
  }
  return { name: input.name, enabled: input.enabled };
}

/** Adds an uploaded skill, or replaces the manifest of one uploaded before (keeping its switch). */
export async function uploadSkill(db: DB, scope: OrgScope, input: { name: string; manifest: string }, base: SkillLibrary = loadSkillLibrary()) {
  requireRole(scope, 'admin');
  if (base.skills.has(input.name)) throw new AppError('CONFLICT', `"${input.name}" is a built-in skill; pick another name (built-in skills can be switched off instead)`);
  const parsed = parseUploadedSkill(input.name, input.manifest);
  if (!parsed.ok) throw new AppError('BAD_REQUEST', parsed.error);
  await db
    .insertInto('org_skills')
    .values({ org_id: scope.orgId, name: input.name, manifest: input.manifest, enabled: true, updated_by: scope.userId })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ manifest: input.manifest, updated_by: scope.userId, updated_at: new Date() }))
    .execute();
  return { name: parsed.skill.name, description: parsed.skill.description, category: parsed.skill.category };
}

export async function deleteUploadedSkill(db: DB, scope: OrgScope, input: { name: string }) {
  requireRole(scope, 'admin');
  const res = await db.deleteFrom('org_skills').where('org_id', '=', scope.orgId).where('name', '=', input.name).where('manifest', 'is not', null).executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', `No uploaded skill named "${input.name}"`);
  return { deleted: true };
}

// ---- prompts -------------------------------------------------------------------------------

/** The active override per prompt path: its highest version, unless that version reverted. */
async function activeOverrides(db: DB, orgId: string): Promise<Map<string, { version: number; content: string }>> {
  const rows = await db
    .selectFrom('prompt_overrides')
    .distinctOn('prompt_path')
    .select(['prompt_path', 'version', 'content'])
    .where('org_id', '=', orgId)
    .orderBy('prompt_path')
    .orderBy('version', 'desc')
    .execute();
  const out = new Map<string, { version: number; content: string }>();
  for (const r of rows) if (r.content !== null) out.set(r.prompt_path, { version: r.version, content: r.content });
  return out;
}

function requirePromptPath(path: string): string {
  const text = readBuiltInPrompt(path);
  if (text === undefined) throw new AppError('NOT_FOUND', `"${path}" is not a built-in prompt file`);
  return text;
}

export async function listPrompts(db: DB, scope: OrgScope) {
  const active = await activeOverrides(db, scope.orgId);
  return listPromptFiles().map((f) => ({ ...f, overriddenVersion: active.get(f.path)?.version ?? null }));
}

export async function getPrompt(db: DB, scope: OrgScope, input: { path: string }) {
  const builtIn = requirePromptPath(input.path);
  const versions = await db
    .selectFrom('prompt_overrides')
    .leftJoin('users', 'users.id', 'prompt_overrides.author_id')
    .select(['prompt_overrides.version', 'prompt_overrides.content', 'prompt_overrides.created_at as createdAt', 'users.name as author'])
    .where('prompt_overrides.org_id', '=', scope.orgId)
    .where('prompt_overrides.prompt_path', '=', input.path)
    .orderBy('prompt_overrides.version', 'desc')
    .execute();
  const latest = versions[0];
  const active = latest && latest.content !== null ? { version: latest.version, content: latest.content } : null;
  return {
    path: input.path,
    builtIn,
    content: active?.content ?? builtIn,
    activeVersion: active?.version ?? null,
    versions: versions.map((v) => ({ version: v.version, author: v.author ?? null, createdAt: v.createdAt, revertsToBuiltIn: v.content === null })),
  };
}

async function insertVersion(db: DB, scope: OrgScope, path: string, content: string | null) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db
        .insertInto('prompt_overrides')
        .values((eb) => ({
          org_id: scope.orgId,
          prompt_path: path,
          content,
          author_id: scope.userId,
          version: eb
            .selectFrom('prompt_overrides')
            .select(sql<number>`coalesce(max(version), 0) + 1`.as('v'))
            .where('org_id', '=', scope.orgId)
            .where('prompt_path', '=', path),
        }))
        .returning(['version', 'created_at as createdAt'])
        .executeTakeFirstOrThrow();
    } catch (err) {
      const unique = (err as { code?: string }).code === '23505';
      if (!unique || attempt >= VERSION_RACE_RETRIES) throw err;
    }
  }
}

/** Each save is a new version; the newest is what agents compose with. */
export async function savePromptOverride(db: DB, scope: OrgScope, input: { path: string; content: string }) {
  requireRole(scope, 'admin');
  requirePromptPath(input.path);
  const check = checkPromptOverride(input.path, input.content);
  if (!check.ok) throw new AppError('BAD_REQUEST', check.error);
  const row = await insertVersion(db, scope, input.path, input.content);
  return { path: input.path, version: row.version };
}

/**
 * Reverts to an earlier version (`version`) or to the built-in file (`version: null`). A revert is
 * itself a new version, so the history keeps who reverted what, and when.
 */
export async function revertPrompt(db: DB, scope: OrgScope, input: { path: string; version: number | null }) {
  requireRole(scope, 'admin');
  requirePromptPath(input.path);
  let content: string | null = null;
  if (input.version !== null) {
    const row = await db
      .selectFrom('prompt_overrides')
      .select('content')
      .where('org_id', '=', scope.orgId)
      .where('prompt_path', '=', input.path)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `${input.path} has no version ${input.version}`);
    content = row.content;
  }
  const row = await insertVersion(db, scope, input.path, content);
  return { path: input.path, version: row.version, builtIn: content === null };
}

// ---- what the executor and planner use (server-side only) ----------------------------------

export type OrgAgentSettings = {
  defaultModels: DefaultModels;
  skills: SkillLibrary;
  /** Active prompt overrides by path under prompts/. */
  promptOverrides: Record<string, string>;
};

/**
 * Everything an organisation set for its agents, read in one place for a task or a plan.
 * `skillTexts` replaces SKILL.md texts by skill name for this read only (a calibration's candidate).
 */
export async function loadOrgAgentSettings(db: DB, orgId: string, base: SkillLibrary = loadSkillLibrary(), skillTexts: Record<string, string> = {}): Promise<OrgAgentSettings> {
  const [org, skillRows, overrides] = await Promise.all([
    db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirst(),
    db.selectFrom('org_skills').select(['name', 'manifest', 'enabled']).where('org_id', '=', orgId).execute(),
    activeOverrides(db, orgId),
  ]);
  const manifests = new Map<string, string>();
  for (const r of skillRows) if (r.manifest !== null && r.enabled) manifests.set(r.name, r.manifest);
  for (const [name, manifest] of Object.entries(skillTexts)) manifests.set(name, manifest);
  const texts: UploadedSkill[] = [...manifests].map(([name, manifest]) => ({ name, manifest }));
  // A manifest under a built-in skill's name is an override of its text; any other is an upload.
  const uploaded = texts.filter((t) => !base.skills.has(t.name));
  const skillOverrides = texts.filter((t) => base.skills.has(t.name));
  const disabled = skillRows.filter((r) => !r.enabled).map((r) => r.name);
  return {
    defaultModels: defaultModelsOf(org?.settings),
    skills: orgSkillLibrary(base, { disabled, uploaded, overrides: skillOverrides }),
    promptOverrides: Object.fromEntries([...overrides].map(([path, o]) => [path, o.content])),
  };
}

// ---- what the self-improvement loop reads and writes (server/rsi) ----------------------------

/** The organisation's active override of a prompt file (its version and text), or null: the built-in file. */
export async function activePromptOverride(db: DB, orgId: string, path: string): Promise<{ version: number; content: string } | null> {
  const row = await db
    .selectFrom('prompt_overrides')
    .select(['version', 'content'])
    .where('org_id', '=', orgId)
    .where('prompt_path', '=', path)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && row.content !== null ? { version: row.version, content: row.content } : null;
}

/** The newest version number of a prompt's overrides (a revert counts), or null when it has none. */
export async function latestPromptVersion(db: DB, orgId: string, path: string): Promise<number | null> {
  const row = await db.selectFrom('prompt_overrides').select('version').where('org_id', '=', orgId).where('prompt_path', '=', path).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row?.version ?? null;
}

/** A skill's row in the organisation: its own SKILL.md text (null: the built-in one) and its switch. */
export async function orgSkillRow(db: DB, orgId: string, name: string): Promise<{ manifest: string | null; enabled: boolean } | null> {
  const row = await db.selectFrom('org_skills').select(['manifest', 'enabled']).where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
  return row ?? null;
}

/**
 * Sets the SKILL.md text the organisation's agents use for a skill (admins): for a built-in skill
 * an override of its text (null: back to the built-in text), for an uploaded skill its manifest.
 * The switch is left as it is.
 */
export async function setSkillManifest(db: DB, scope: OrgScope, input: { name: string; manifest: string | null }, base: SkillLibrary = loadSkillLibrary()): Promise<void> {
  requireRole(scope, 'admin');
  const builtIn = base.skills.get(input.name);
  if (!builtIn && input.manifest === null) throw new AppError('BAD_REQUEST', `"${input.name}" is an uploaded skill; it has no built-in text to go back to`);
  if (input.manifest !== null) {
    const parsed = builtIn ? parseSkillOverride(builtIn, input.manifest) : parseUploadedSkill(input.name, input.manifest);
    if (!parsed.ok) throw new AppError('BAD_REQUEST', parsed.error);
  }
  if (builtIn) {
    await db
      .insertInto('org_skills')
      .values({ org_id: scope.orgId, name: input.name, manifest: input.manifest, enabled: true, updated_by: scope.userId })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ manifest: input.manifest, updated_by: scope.userId, updated_at: new Date() }))
      .execute();
    return;
  }
  const res = await db
    .updateTable('org_skills')
    .set({ manifest: input.manifest, updated_by: scope.userId, updated_at: new Date() })
    .where('org_id', '=', scope.orgId)
    .where('name', '=', input.name)
    .where('manifest', 'is not', null)
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new AppError('NOT_FOUND', `No skill named "${input.name}"`);
}
