import type { SkillLibrary } from '../skills/library';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Load a skill's manifest: step-by-step guidance for a kind of task, plus the names of its resources (read with read_skill_resource) and scripts (run with run_skill_script). The registry of skill names is in your system prompt.`;

export function createLoadSkillTool(library: SkillLibrary) {
  return defineTool({
    name: 'load_skill',
    description,
    parameters: z.object({ name: z.string().trim().describe('Skill name from the registry, e.g. "node-testing".') }),
    async execute(args) {
      const skill = library.get(args.name);
      if (!skill) return toolError(`no skill named "${args.name}"; available: ${[...library.skills.keys()].join(', ') || '(none)'}`);
      const res = skill.resources.length ? `\n\nResources: ${skill.resources.join(', ')}` : '';
      const scripts = skill.scripts.length ? `\nScripts: ${skill.scripts.join(', ')}` : '';
      return { output: `# Skill ${skill.name} — ${skill.description}\n\n${skill.body}${res}${scripts}` };
    },
  });
}
