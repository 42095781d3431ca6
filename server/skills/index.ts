/** Skills with progressive disclosure: registry → manifest → resources → scripts. */
export { BUILT_IN_SKILLS_DIR, loadSkillLibrary, readSkillFile, type SkillLibrary } from './library';
export { matchCues, skillProfile, type SkillProfile } from './profile';
export { parseSkillManifest, type Skill } from './skill';
export { MAX_SKILL_MANIFEST_BYTES, orgSkillLibrary, parseUploadedSkill, type UploadedSkill } from './org-library';
