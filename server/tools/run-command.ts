import type { Sandbox } from '../../sandbox/types';
import { z } from 'zod/v4';
import { defineTool, wholeNumber } from './define-tool';

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

/** `run_command` bound to one run's sandbox (commands never run on the host through this tool). */
export function createRunCommandTool(sandbox: Sandbox, redact: (text: string) => string = (t) => t) {
  return defineTool({
    name: 'run_command',
    description,
    parameters: z.object({
      command: z.string().trim().min(1).describe('The shell command line to run, e.g. "npm test -- --run".'),
      cwd: z
        .string()
        .refine((d) => !d.startsWith('/') && !d.split('/').includes('..'), 'must be a relative path inside the workspace')
        .optional()
        .describe('Directory relative to the workspace root (default: the root).'),
      timeout_s: wholeNumber().min(1).max(RUN_MAX_TIMEOUT_S).optional().describe(`Seconds before the command is killed (default ${RUN_DEFAULT_TIMEOUT_S}).`),
    }),
    async execute(args, ctx) {
      const { command } = args;
      const timeoutS = args.timeout_s ?? RUN_DEFAULT_TIMEOUT_S;
      const r = await sandbox.exec(['sh', '-c', command], { cwd: args.cwd, timeoutMs: timeoutS * 1000, signal: ctx.signal });
      const combined = [r.stdout, r.stderr].filter((s) => s.trim()).join(r.stdout && r.stderr ? '\n[stderr]\n' : '');
      const status = r.timedOut ? `timed out after ${timeoutS}s` : r.oom ? 'killed: out of memory' : `exit code ${r.exitCode}`;
      const output = `$ ${command}\n${status}\n${capOutput(redact(combined)) || '(no output)'}`;
      const meta = { exitCode: r.exitCode, command, durationMs: r.durationMs, timedOut: r.timedOut };
      return r.exitCode === 0 ? { output, meta } : { output, isError: true, meta };
    },
  });
}
