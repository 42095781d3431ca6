import type { Sandbox } from '../../sandbox/types';
import { readSkillFile, type SkillLibrary } from '../skills/library';
import { capOutput } from './run-command';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Run one of a skill's helper scripts in the sandbox, in the workspace root (listed by load_skill). Scripts only inspect the project and print what they find.`;

/** How each script type is started. The script text is passed as an argument, so nothing is written into the worktree. */
function commandFor(path: string, text: string, args: string[]): string[] | undefined {
  if (path.endsWith('.sh')) return ['sh', '-c', text, path, ...args];
  if (path.endsWith('.mjs') || path.endsWith('.js')) return ['node', '--input-type=module', '-e', text, '--', ...args];
  if (path.endsWith('.py')) return ['python3', '-c', text, ...args];
  return undefined;
}

export function createRunSkillScriptTool(library: SkillLibrary, sandbox: Sandbox) {
  return defineTool({
    name: 'run_skill_script',
    description,
    parameters: z.object({
      name: z.string().describe('Skill name, as in the registry in your system prompt.'),
      script: z.string().describe('Script path as listed by load_skill, e.g. "detect-runner.sh".'),
      args: z.array(z.coerce.string()).optional().describe('Arguments for the script, one string each.'),
    }),
    async execute(args, ctx) {
      const skill = library.get(args.name);
      if (!skill) return toolError(`no skill named "${args.name}"`);
      const path = args.script;
      const text = readSkillFile(skill, 'scripts', path);
      if (text === undefined) return toolError(`skill ${skill.name} has no script "${path}"; it has: ${skill.scripts.join(', ') || '(none)'}`);
      const extra = args.args ?? [];
      const cmd = commandFor(path, text, extra);
      if (!cmd) return toolError(`cannot run "${path}": scripts must be .sh, .js/.mjs or .py`);
      const r = await sandbox.exec(cmd, { signal: ctx.signal });
      const output = `${skill.name}/${path}: exit code ${r.exitCode}\n${capOutput([r.stdout, r.stderr].filter(Boolean).join('\n')) || '(no output)'}`;
      return r.exitCode === 0 ? { output } : { output, isError: true };
    },
  });
}
