import type { SkillLibrary } from '../skills/library';
import { toolError, type ToolDefinition } from './types';

export const description = `Load a skill's manifest: step-by-step guidance for a kind of task, plus the names of its resources (read with read_skill_resource) and scripts (run with run_skill_script). The registry of skill names is in your system prompt.`;

export function createLoadSkillTool(library: SkillLibrary): ToolDefinition<{ name?: unknown }> {
  return {
    name: 'load_skill',
    description,
    parameters: { type: 'object', properties: { name: { type: 'string', description: 'Skill name from the registry, e.g. "node-testing".' } }, required: ['name'] },
    async execute(args) {
      const skill = typeof args?.name === 'string' ? library.get(args.name.trim()) : undefined;
      if (!skill) return toolError(`no skill named "${String(args?.name)}"; available: ${[...library.skills.keys()].join(', ') || '(none)'}`);
      const res = skill.resources.length ? `\n\nResources: ${skill.resources.join(', ')}` : '';
      const scripts = skill.scripts.length ? `\nScripts: ${skill.scripts.join(', ')}` : '';
      return { output: `# Skill ${skill.name} — ${skill.description}\n\n${skill.body}${res}${scripts}` };
    },
  };
}
