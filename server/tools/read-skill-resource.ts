import { readSkillFile, type SkillLibrary } from '../skills/library';
import { toolError, type ToolDefinition } from './types';

export const description = `Read one resource file of a skill (cheatsheets, recipes, checklists) listed by load_skill.`;

export function createReadSkillResourceTool(library: SkillLibrary): ToolDefinition<{ name?: unknown; path?: unknown }> {
  return {
    name: 'read_skill_resource',
    description,
    parameters: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Skill name.' },
        path: { type: 'string', description: 'Resource path as listed by load_skill, e.g. "patterns.md".' },
      },
      required: ['name', 'path'],
    },
    async execute(args) {
      const skill = typeof args?.name === 'string' ? library.get(args.name) : undefined;
      if (!skill) return toolError(`no skill named "${String(args?.name)}"; available: ${[...library.skills.keys()].join(', ')}`);
      const text = typeof args.path === 'string' ? readSkillFile(skill, 'resources', args.path) : undefined;
      if (text === undefined) return toolError(`skill ${skill.name} has no resource "${String(args.path)}"; it has: ${skill.resources.join(', ') || '(none)'}`);
      return { output: text };
    },
  };
}
