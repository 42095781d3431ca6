import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSkillManifest, type Skill } from './skill';

export const BUILT_IN_SKILLS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../skills');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full).map((f) => join(name, f)));
    else out.push(name);
  }
  return out;
}

export interface SkillLibrary {
  skills: Map<string, Skill>;
  get(name: string): Skill | undefined;
}

const cache = new Map<string, SkillLibrary>();

/** Loads `skills/<name>/SKILL.md` manifests (and lists their resources/ and scripts/). */
export function loadSkillLibrary(dirs: string[] = [BUILT_IN_SKILLS_DIR]): SkillLibrary {
  const key = dirs.join('\0');
  const hit = cache.get(key);
  if (hit) return hit;
  const skills = new Map<string, Skill>();
  for (const root of dirs) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root).sort()) {
      const dir = join(root, entry);
      const manifest = join(dir, 'SKILL.md');
      if (!statSync(dir).isDirectory() || !existsSync(manifest)) continue;
      const skill = parseSkillManifest(readFileSync(manifest, 'utf8'), relative(process.cwd(), dir) || dir, {
        resources: filesUnder(join(dir, 'resources')),
        scripts: filesUnder(join(dir, 'scripts')),
      });
      skill.dir = dir;
      skills.set(skill.name, skill);
    }
  }
  const lib = { skills, get: (name: string) => skills.get(name) };
  cache.set(key, lib);
  return lib;
}

/** Reads a file of a skill, refusing paths that leave the skill's folder. */
export function readSkillFile(skill: Skill, folder: 'resources' | 'scripts', path: string): string | undefined {
  const base = join(skill.dir, folder);
  const full = resolve(base, path);
  if (!full.startsWith(base + '/') || !existsSync(full) || statSync(full).isDirectory()) return undefined;
  return readFileSync(full, 'utf8');
}
