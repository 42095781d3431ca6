import type { Sandbox } from '../../sandbox/types';
import { toolError, type ToolDefinition } from './types';

/** Output shown to the model is capped: head and tail survive, the middle is elided. */
export const RUN_OUTPUT_MAX_CHARS = 12_000;
const TAIL_SHARE = 0.6;
/** Per-command wall clock unless the call asks for less. */
export const RUN_DEFAULT_TIMEOUT_S = 120;
export const RUN_MAX_TIMEOUT_S = 600;

export const description = `Run a shell command in the workspace, inside a sandbox without network access (for example "npm test", "npx vitest run src/a.test.ts", "git diff", "pytest -q"). The command runs with sh -c in the workspace root (or "cwd"). Output (stdout and stderr) is capped at ${RUN_OUTPUT_MAX_CHARS} characters, keeping the beginning and the end. Do not start servers that never exit; they are killed at the timeout.`;

/** Keeps the start and, mostly, the end of long output: failures are usually summarised last. */
export function capOutput(text: string, max = RUN_OUTPUT_MAX_CHARS): string {
  if (text.length <= max) return text;
  const tail = Math.floor(max * TAIL_SHARE);
  const head = max - tail;
  return `${text.slice(0, head)}\n… [${text.length - max} characters elided] …\n${text.slice(text.length - tail)}`;
}

type Args = { command?: unknown; cwd?: unknown; timeout_s?: unknown };

/** `run_command` bound to one run's sandbox (commands never run on the host through this tool). */
export function createRunCommandTool(sandbox: Sandbox, redact: (text: string) => string = (t) => t): ToolDefinition<Args> {
  return {
    name: 'run_command',
    description,
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The shell command line to run, e.g. "npm test -- --run".' },
        cwd: { type: 'string', description: 'Directory relative to the workspace root (default: the root).' },
        timeout_s: { type: 'integer', minimum: 1, maximum: RUN_MAX_TIMEOUT_S, description: `Seconds before the command is killed (default ${RUN_DEFAULT_TIMEOUT_S}).` },
      },
      required: ['command'],
    },
    async execute(args, ctx) {
      const command = typeof args?.command === 'string' ? args.command.trim() : '';
      if (!command) return toolError('"command" must be a non-empty string, e.g. {"command": "npm test"}');
      if (args.cwd !== undefined && (typeof args.cwd !== 'string' || args.cwd.startsWith('/') || args.cwd.split('/').includes('..')))
        return toolError('"cwd" must be a relative path inside the workspace');
      const timeoutS = typeof args.timeout_s === 'number' && args.timeout_s > 0 ? Math.min(args.timeout_s, RUN_MAX_TIMEOUT_S) : RUN_DEFAULT_TIMEOUT_S;
      const r = await sandbox.exec(['sh', '-c', command], { cwd: (args.cwd as string | undefined) ?? undefined, timeoutMs: timeoutS * 1000, signal: ctx.signal });
      const combined = [r.stdout, r.stderr].filter((s) => s.trim()).join(r.stdout && r.stderr ? '\n[stderr]\n' : '');
      const status = r.timedOut ? `timed out after ${timeoutS}s` : r.oom ? 'killed: out of memory' : `exit code ${r.exitCode}`;
      const output = `$ ${command}\n${status}\n${capOutput(redact(combined)) || '(no output)'}`;
      const meta = { exitCode: r.exitCode, command, durationMs: r.durationMs, timedOut: r.timedOut };
      return r.exitCode === 0 ? { output, meta } : { output, isError: true, meta };
    },
  };
}
