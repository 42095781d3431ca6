import path from 'node:path';
import type { DB } from '../db/client';
import { createModelResolver, type ModelResolver } from '../llm/model-factory';
import { promptDirWithOverrides } from '../prompts/org-overrides';
import { loadOrgAgentSettings } from '../services/agent-settings';
import type { SkillLibrary } from '../skills/library';
import { resolveRoleModel } from './role-models';

/** Folder under the data directory holding prompt folders with an organisation's overrides applied. */
const ORG_PROMPTS_FOLDER = 'org-prompts';

export type AgentSetup = {
  skills: SkillLibrary;
  /** The model name `role` runs with. */
  modelNameForRole(role: string): string;
  /** The task's models: each role's organisation default, else the task's model. */
  models: ModelResolver;
  promptDirs: { builtIn: string };
};

/**
 * Changes laid over an organisation's agent settings for one executor without saving them: a
 * self-improvement calibration runs the eval suite with a proposed prompt or skill this way.
 */
export type AgentSettingsOverlay = {
  /** Prompt path under prompts/ → the full file text to compose from instead. */
  promptOverrides?: Record<string, string>;
  /** Skill name → the SKILL.md text to use instead (a built-in skill keeps its resources). */
  skills?: Record<string, string>;
};

/**
 * An organisation's agent settings as a task uses them: its skills (built-in minus the ones
 * switched off, plus enabled uploads), the model each role runs with (the org's default for the
 * role, else the task's model) and the folder its system prompts are composed from.
 * `env` holds the organisation's provider settings (keys, hosts); `baseUrl` points every model at
 * one endpoint (the CLI's `--base-url`).
 */
export async function orgAgentSetup(
  db: DB,
  orgId: string,
  opts: { taskModel: string; env: Record<string, string>; dataDir: string; baseSkills?: SkillLibrary; baseUrl?: string; overlay?: AgentSettingsOverlay },
): Promise<AgentSetup> {
  const settings = await loadOrgAgentSettings(db, orgId, opts.baseSkills, opts.overlay?.skills);
  if (opts.overlay?.promptOverrides) settings.promptOverrides = { ...settings.promptOverrides, ...opts.overlay.promptOverrides };
  const modelNameForRole = (role: string) => resolveRoleModel(settings.defaultModels, role, opts.taskModel);
  return {
    skills: settings.skills,
    modelNameForRole,
    models: createModelResolver({ model: opts.taskModel, settings: { env: opts.env, baseUrl: opts.baseUrl }, roleModel: modelNameForRole }),
    promptDirs: { builtIn: promptDirWithOverrides(settings.promptOverrides, path.join(opts.dataDir, ORG_PROMPTS_FOLDER)) },
  };
}
