import { readSkillFile, type SkillLibrary } from '../skills/library';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Read one resource file of a skill (cheatsheets, recipes, checklists) listed by load_skill.`;

export function createReadSkillResourceTool(library: SkillLibrary) {
  return defineTool({
    name: 'read_skill_resource',
    description,
    parameters: z.object({
      name: z.string().describe('Skill name, as in the registry in your system prompt.'),
      path: z.string().describe('Resource path as listed by load_skill, e.g. "patterns.md".'),
    }),
    async execute(args) {
      const skill = library.get(args.name);
      if (!skill) return toolError(`no skill named "${args.name}"; available: ${[...library.skills.keys()].join(', ')}`);
      const text = readSkillFile(skill, 'resources', args.path);
      if (text === undefined) return toolError(`skill ${skill.name} has no resource "${args.path}"; it has: ${skill.resources.join(', ') || '(none)'}`);
      return { output: text };
    },
  });
}
