/** Prompts as files: Markdown + YAML frontmatter under prompts/, overridable per repository. */
export { composeSystemPrompt, type ComposeInput, type ComposedPrompt } from './compose';
export { detectStack } from './detect-stack';
export { BUILT_IN_PROMPTS_DIR, loadPromptLibrary, OVERRIDES_FOLDER, type PromptLibrary } from './library';
export { parsePromptFile, renderTemplate, PROMPT_KINDS, type PromptKind, type PromptTemplate } from './template';
export { checkPromptOverride, listPromptFiles, MAX_PROMPT_OVERRIDE_BYTES, PROMPT_FOLDER_UNUSED_MS, promptDirWithOverrides, readBuiltInPrompt, type PromptFile } from './org-overrides';
