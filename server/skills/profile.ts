import type { SkillLibrary } from './library';
import type { Skill } from './skill';

/**
 * Progressive disclosure per role. Level 1 (every prompt): a registry of names and categories.
 * Architect: the whole registry with descriptions. Developer: the registry plus skills the
 * task's cues suggest. QA and reviewer: their domain's skills (`autoload`) loaded up front.
 */
export interface SkillProfile {
  /** Text for the `{{skills}}` prompt variable. */
  registryText: string;
  suggested: string[];
  autoloaded: string[];
}

export function matchCues(skill: Skill, text: string): boolean {
  return skill.cues.some((cue) => new RegExp(cue, 'i').test(text));
}

/** `text` is what the cues look at: objective, criteria, detected stack, file names. */
export function skillProfile(library: SkillLibrary, role: string, text: string): SkillProfile {
  const all = [...library.skills.values()];
  const suggested = all.filter((s) => matchCues(s, text)).map((s) => s.name);
  const autoload = all.filter((s) => s.autoload.includes(role) && (s.cues.length === 0 || matchCues(s, text)));
  const byCategory = new Map<string, string[]>();
  for (const s of all) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s.name]);
  const registry = [...byCategory].map(([cat, names]) => `${cat}: ${names.join(', ')}`).join('; ');
  const lines: string[] = [];
  if (all.length === 0) lines.push('(no skills installed)');
  else if (role === 'architect' || role === 'planner') lines.push(...all.map((s) => `- ${s.name} [${s.category}]: ${s.description}`));
  else lines.push(`Registry — ${registry}.`);
  if (role === 'developer' && suggested.length) lines.push(`Suggested for this task: ${suggested.join(', ')} (load with load_skill).`);
  for (const s of autoload) lines.push(`\n### Skill loaded for your role: ${s.name}\n${s.body}`);
  return { registryText: lines.join('\n'), suggested, autoloaded: autoload.map((s) => s.name) };
}
