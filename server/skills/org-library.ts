import type { SkillLibrary } from './library';
import { parseSkillManifest, type Skill } from './skill';

/** Largest SKILL.md an admin may upload: a manifest is guidance text, not a resource dump. */
export const MAX_SKILL_MANIFEST_BYTES = 64 * 1024;
/** Uploaded skills have no folder on disk; their `dir` names them under this virtual root. */
export const UPLOADED_SKILLS_ROOT = 'org-skills';

export type UploadedSkill = { name: string; manifest: string };

/**
 * Validates an uploaded SKILL.md exactly as the library validates built-in ones, plus the checks
 * an upload needs (size, the given name matches the frontmatter). Errors are values: the message
 * tells the admin what to fix.
 */
export function parseUploadedSkill(name: string, manifest: string): { ok: true; skill: Skill } | { ok: false; error: string } {
  const bytes = Buffer.byteLength(manifest, 'utf8');
  if (bytes > MAX_SKILL_MANIFEST_BYTES) return { ok: false, error: `SKILL.md is ${bytes} bytes; the limit is ${MAX_SKILL_MANIFEST_BYTES} bytes` };
  let skill: Skill;
  try {
    skill = parseSkillManifest(manifest, `${UPLOADED_SKILLS_ROOT}/${name}`, { resources: [], scripts: [] });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (skill.name !== name) return { ok: false, error: `the skill is named "${name}" but its SKILL.md frontmatter says name: "${skill.name}"; make them the same` };
  if (!skill.body) return { ok: false, error: `${UPLOADED_SKILLS_ROOT}/${name}/SKILL.md: the manifest has no guidance after the frontmatter` };
  return { ok: true, skill };
}

/**
 * A built-in skill with another SKILL.md text (an adopted self-improvement edit): the text is
 * checked like an upload, and the skill keeps its folder, resources and scripts.
 */
export function parseSkillOverride(builtIn: Skill, manifest: string): { ok: true; skill: Skill } | { ok: false; error: string } {
  const parsed = parseUploadedSkill(builtIn.name, manifest);
  if (!parsed.ok) return parsed;
  return { ok: true, skill: { ...parsed.skill, dir: builtIn.dir, resources: builtIn.resources, scripts: builtIn.scripts } };
}

/**
 * An organisation's view of the skill library: the built-in skills minus the ones it switched
 * off, plus its enabled uploaded skills. An upload never shadows a built-in skill; a built-in's
 * text is replaced only by an override (`overrides`: an adopted self-improvement edit), which keeps
 * its folder, resources and scripts. A manifest that no longer validates is left out (an override:
 * the built-in text is used) rather than failing the task that wanted the others.
 */
export function orgSkillLibrary(base: SkillLibrary, opts: { disabled: Iterable<string>; uploaded: UploadedSkill[]; overrides?: UploadedSkill[] }): SkillLibrary {
  const off = new Set(opts.disabled);
  const skills = new Map<string, Skill>();
  for (const [name, skill] of base.skills) if (!off.has(name)) skills.set(name, skill);
  for (const o of opts.overrides ?? []) {
    const builtIn = base.skills.get(o.name);
    if (!builtIn || off.has(o.name)) continue;
    const parsed = parseSkillOverride(builtIn, o.manifest);
    if (parsed.ok) skills.set(o.name, parsed.skill);
  }
  for (const u of opts.uploaded) {
    if (off.has(u.name) || base.skills.has(u.name)) continue;
    const parsed = parseUploadedSkill(u.name, u.manifest);
    if (parsed.ok) skills.set(u.name, parsed.skill);
  }
  return { skills, get: (name: string) => skills.get(name) };
}
