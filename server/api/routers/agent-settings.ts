import { orgProcedure, router } from '../trpc';
import {
  deleteUploadedSkill,
  getDefaultModels,
  getPrompt,
  listPrompts,
  listSkills,
  revertPrompt,
  savePromptOverride,
  setDefaultModels,
  setSkillEnabled,
  uploadSkill,
} from '../../services/agent-settings';
import {
  ZDeleteSkillInput,
  ZPromptInput,
  ZRevertPromptInput,
  ZSavePromptInput,
  ZSetDefaultModelsInput,
  ZSetSkillEnabledInput,
  ZUploadSkillInput,
} from './agent-settings.types';

/**
 * Agent settings of an organisation: default model per role, skills, prompt overrides.
 * Every procedure is org-scoped (meta `org` via orgProcedure); the services require the admin
 * role for every write.
 */
export const agentSettingsRouter = router({
  defaultModels: orgProcedure.query(({ ctx }) => getDefaultModels(ctx.db, ctx.scope)),
  setDefaultModels: orgProcedure.input(ZSetDefaultModelsInput).mutation(({ ctx, input }) => setDefaultModels(ctx.db, ctx.scope, input)),

  skills: orgProcedure.query(({ ctx }) => listSkills(ctx.db, ctx.scope)),
  setSkillEnabled: orgProcedure.input(ZSetSkillEnabledInput).mutation(({ ctx, input }) => setSkillEnabled(ctx.db, ctx.scope, input)),
  uploadSkill: orgProcedure.input(ZUploadSkillInput).mutation(({ ctx, input }) => uploadSkill(ctx.db, ctx.scope, input)),
  deleteSkill: orgProcedure.input(ZDeleteSkillInput).mutation(({ ctx, input }) => deleteUploadedSkill(ctx.db, ctx.scope, input)),

  prompts: orgProcedure.query(({ ctx }) => listPrompts(ctx.db, ctx.scope)),
  prompt: orgProcedure.input(ZPromptInput).query(({ ctx, input }) => getPrompt(ctx.db, ctx.scope, input)),
  savePrompt: orgProcedure.input(ZSavePromptInput).mutation(({ ctx, input }) => savePromptOverride(ctx.db, ctx.scope, input)),
  revertPrompt: orgProcedure.input(ZRevertPromptInput).mutation(({ ctx, input }) => revertPrompt(ctx.db, ctx.scope, input)),
});
