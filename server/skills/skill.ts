import { parse as parseYaml } from 'yaml';

/** A skill's manifest: SKILL.md frontmatter + body. Resources and scripts are listed, not loaded. */
export interface Skill {
  name: string;
  description: string;
  category: string;
  /** Regular expressions (case-insensitive) over the task text, stack and file names. */
  cues: string[];
  /** Roles that get the manifest loaded without asking (their domain's skills). */
  autoload: string[];
  body: string;
  dir: string;
  resources: string[];
  scripts: string[];
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;
const NAME = /^[a-z0-9][a-z0-9-]{1,63}$/;

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v)).filter(Boolean);
}

export function parseSkillManifest(text: string, dir: string, files: { resources: string[]; scripts: string[] }): Skill {
  const m = FRONTMATTER.exec(text);
  if (!m) throw new Error(`${dir}/SKILL.md: starts with YAML frontmatter (name, description, cues)`);
  const meta = (parseYaml(m[1]) ?? {}) as Record<string, unknown>;
  const name = String(meta.name ?? '');
  if (!NAME.test(name)) throw new Error(`${dir}/SKILL.md: "name" must be kebab-case (got "${name}")`);
  const description = String(meta.description ?? '').trim();
  if (!description || description.includes('\n')) throw new Error(`${dir}/SKILL.md: "description" must be one line`);
  const cues = list(meta.cues);
  for (const cue of cues) {
    try {
      new RegExp(cue, 'i');
    } catch {
      throw new Error(`${dir}/SKILL.md: cue "${cue}" is not a valid regular expression`);
    }
  }
  return { name, description, category: String(meta.category ?? 'general'), cues, autoload: list(meta.autoload), body: m[2].trim(), dir, ...files };
}
