import { z } from 'zod';
import { ZText } from '../schemas';
import { MODEL_ROLES, modelNameProblem } from '../../pipeline/role-models';
import { MAX_SKILL_MANIFEST_BYTES } from '../../skills/org-library';
import { MAX_PROMPT_OVERRIDE_BYTES } from '../../prompts/org-overrides';

/** Inputs of the agent-settings procedures, written once (the router and its tests use these). */

/** `provider:model` with a known provider; blank means "no default for this role". */
export const ZRoleModel = z
  .string()
  .trim()
  .max(200, 'must be at most 200 characters')
  .superRefine((v, ctx) => {
    const problem = v ? modelNameProblem(v) : null;
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

export const ZDefaultModels = z.object(Object.fromEntries(MODEL_ROLES.map((r) => [r, ZRoleModel.optional()])) as Record<(typeof MODEL_ROLES)[number], z.ZodOptional<typeof ZRoleModel>>);

export const ZSkillName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be kebab-case: lower-case letters, digits and dashes, 2–64 characters');

/** The cap on characters is a first line of defence; the service checks the byte size exactly. */
export const ZSkillManifest = ZText.min(1, 'is required').max(MAX_SKILL_MANIFEST_BYTES, `must be at most ${MAX_SKILL_MANIFEST_BYTES} characters`);

export const ZPromptPath = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]+(\/[a-z0-9-]+)*\.md$/, 'must be a prompt file path under prompts/, e.g. roles/developer.md');

export const ZPromptContent = ZText.min(1, 'is required').max(MAX_PROMPT_OVERRIDE_BYTES, `must be at most ${MAX_PROMPT_OVERRIDE_BYTES} characters`);

/** `defaultModel`: the organisation's default (blank: the deployment's); absent: unchanged. */
export const ZSetDefaultModelsInput = z.object({ models: ZDefaultModels, defaultModel: ZRoleModel.optional() });
export const ZSetSkillEnabledInput = z.object({ name: ZSkillName, enabled: z.boolean() });
export const ZUploadSkillInput = z.object({ name: ZSkillName, manifest: ZSkillManifest });
export const ZDeleteSkillInput = z.object({ name: ZSkillName });
export const ZPromptInput = z.object({ path: ZPromptPath });
export const ZSavePromptInput = z.object({ path: ZPromptPath, content: ZPromptContent });
/** `version: null` reverts to the built-in file. */
export const ZRevertPromptInput = z.object({ path: ZPromptPath, version: z.number().int().positive().nullable() });
