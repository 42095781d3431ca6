import type { Sandbox } from '../../sandbox/types';
import { readSkillFile, type SkillLibrary } from '../skills/library';
import { capOutput } from './run-command';
import { toolError, type ToolDefinition } from './types';

export const description = `Run one of a skill's helper scripts in the sandbox, in the workspace root (listed by load_skill). Scripts only inspect the project and print what they find.`;

/** How each script type is started. The script text is passed as an argument, so nothing is written into the worktree. */
function commandFor(path: string, text: string, args: string[]): string[] | undefined {
  if (path.endsWith('.sh')) return ['sh', '-c', text, path, ...args];
  if (path.endsWith('.mjs') || path.endsWith('.js')) return ['node', '--input-type=module', '-e', text, '--', ...args];
  if (path.endsWith('.py')) return ['python3', '-c', text, ...args];
  return undefined;
}

export function createRunSkillScriptTool(library: SkillLibrary, sandbox: Sandbox): ToolDefinition<{ name?: unknown; script?: unknown; args?: unknown }> {
  return {
    name: 'run_skill_script',
    description,
    parameters: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Skill name.' },
        script: { type: 'string', description: 'Script path as listed by load_skill, e.g. "detect-runner.sh".' },
        args: { type: 'array', items: { type: 'string' }, description: 'Arguments for the script.' },
      },
      required: ['name', 'script'],
    },
    async execute(args, ctx) {
      const skill = typeof args?.name === 'string' ? library.get(args.name) : undefined;
      if (!skill) return toolError(`no skill named "${String(args?.name)}"`);
      const path = typeof args.script === 'string' ? args.script : '';
      const text = readSkillFile(skill, 'scripts', path);
      if (text === undefined) return toolError(`skill ${skill.name} has no script "${path}"; it has: ${skill.scripts.join(', ') || '(none)'}`);
      const extra = Array.isArray(args.args) ? args.args.map(String) : [];
      const cmd = commandFor(path, text, extra);
      if (!cmd) return toolError(`cannot run "${path}": scripts must be .sh, .js/.mjs or .py`);
      const r = await sandbox.exec(cmd, { signal: ctx.signal });
      const output = `${skill.name}/${path}: exit code ${r.exitCode}\n${capOutput([r.stdout, r.stderr].filter(Boolean).join('\n')) || '(no output)'}`;
      return r.exitCode === 0 ? { output } : { output, isError: true };
    },
  };
}
