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
 * An organisation's view of the skill library: the built-in skills minus the ones it switched
 * off, plus its enabled uploaded skills. An uploaded manifest that no longer validates is left
 * out rather than failing the task that wanted the others.
 */
export function orgSkillLibrary(base: SkillLibrary, opts: { disabled: Iterable<string>; uploaded: UploadedSkill[] }): SkillLibrary {
  const off = new Set(opts.disabled);
  const skills = new Map<string, Skill>();
  for (const [name, skill] of base.skills) if (!off.has(name)) skills.set(name, skill);
  for (const u of opts.uploaded) {
    if (off.has(u.name) || base.skills.has(u.name)) continue;
    const parsed = parseUploadedSkill(u.name, u.manifest);
    if (parsed.ok) skills.set(u.name, parsed.skill);
  }
  return { skills, get: (name: string) => skills.get(name) };
}
