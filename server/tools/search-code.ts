import { execFile } from 'node:child_process';
import { z } from 'zod/v4';
import { defineTool, flag, wholeNumber } from './define-tool';
import { toolError } from './types';
import { resolveWorkspacePath } from './workspace-path';

/** Matches shown per call; more are summarised with a count. */
export const SEARCH_MAX_MATCHES = 200;
/** Output characters per call. */
export const SEARCH_MAX_CHARS = 30_000;
/** Context lines allowed around each match. */
export const SEARCH_MAX_CONTEXT = 10;
/** Output of a git command is capped here; the tool trims further for the model. */
const GIT_MAX_BUFFER = 32 * 1024 * 1024;

export const description = `Search the workspace's tracked and untracked (not ignored) files with git grep. The pattern is a regular expression (POSIX extended, like grep -E); matches come as "path:line:text" (context lines as "path-line-text").
Narrow with paths (directories or globs like "src/**/*.ts"), and ask for context lines around each match. Output is capped at ${SEARCH_MAX_MATCHES} matches.`;

export const searchCodeTool = defineTool({
  name: 'search_code',
  description,
  parameters: z.object({
    pattern: z.string().min(1).describe('Regular expression to find (POSIX extended), e.g. "function\\\\s+parse" or "TODO".'),
    paths: z
      .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string()))
      .optional()
      .describe('Limit the search to these workspace-relative directories, files or globs (e.g. ["src", "*.md"]). Default: everything.'),
    context_lines: wholeNumber().min(0).max(SEARCH_MAX_CONTEXT).optional().describe(`Lines of context before and after each match (0-${SEARCH_MAX_CONTEXT}, default 0).`),
    ignore_case: flag().optional().describe('Match without regard to case (default false).'),
    fixed_string: flag().optional().describe('Treat the pattern as plain text, not a regular expression (default false).'),
  }),
  async execute(args, ctx) {
    const context = args.context_lines ?? 0;
    const pathspecs: string[] = [];
    for (const p of args.paths ?? []) {
      // Globs are checked for confinement on their literal part; git applies the pattern.
      const literal = p.split(/[*?[]/)[0] || '.';
      const resolved = await resolveWorkspacePath(ctx.workspaceDir, literal);
      if (!resolved.ok) return toolError(`path "${p}": ${resolved.error}`);
      pathspecs.push(/[*?[]/.test(p) ? `:(glob)${p.replace(/^\.\//, '')}` : resolved.rel);
    }
    if (!(await isGitWorktree(ctx.workspaceDir))) {
      return toolError('search_code needs a git working tree, and this workspace is not one; use list_files and read_file instead');
    }
    // Paths come out relative to the workspace (git's cwd), which is what the other tools take.
    const gitArgs = ['grep', '-n', '-I', '--untracked', '--no-color'];
    gitArgs.push(args.fixed_string === true ? '-F' : '-E');
    if (args.ignore_case === true) gitArgs.push('-i');
    if (context > 0) gitArgs.push(`-C${context}`);
    gitArgs.push('-e', args.pattern, '--', ...(pathspecs.length ? pathspecs : ['.']));
    const r = await runGit(ctx.workspaceDir, gitArgs, ctx.signal);
    if (r.code === 1 && r.stdout === '') return { output: `No matches for ${JSON.stringify(args.pattern)}.`, meta: { matches: 0 } };
    if (r.code !== 0 && r.code !== 1 && !r.truncated) return toolError(`git grep failed: ${r.stderr.trim() || `exit code ${r.code}`}`);
    return capOutput(r.stdout, r.truncated);
  },
});

function capOutput(stdout: string, truncated = false): { output: string; meta: { matches: number } } {
  const lines = stdout.split('\n').filter((l) => l !== '');
  const isMatch = (l: string) => /^[^:\n]+:\d+:/.test(l);
  const total = lines.filter(isMatch).length;
  const kept: string[] = [];
  let matches = 0;
  let chars = 0;
  for (const line of lines) {
    if (isMatch(line)) matches++;
    if (matches > SEARCH_MAX_MATCHES || chars + line.length > SEARCH_MAX_CHARS) break;
    kept.push(line);
    chars += line.length + 1;
  }
  const shown = kept.filter(isMatch).length;
  const note = truncated
    ? `\n(${shown} matches shown of more than ${total}; narrow the pattern or paths)`
    : shown < total
      ? `\n(${shown} of ${total} matches shown; narrow the pattern or paths)`
      : '';
  return { output: kept.join('\n') + note, meta: { matches: total } };
}

/** `truncated`: git wrote more than GIT_MAX_BUFFER; `stdout` holds the first part. */
export type GitResult = { code: number; stdout: string; stderr: string; truncated: boolean };

/** Run git in `cwd` without a shell; a non-zero exit is a result, not an exception. */
export function runGit(cwd: string, args: string[], signal?: AbortSignal): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: GIT_MAX_BUFFER, signal, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = (err as { code?: unknown } | null)?.code;
      const truncated = status === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
      const code = err ? (typeof status === 'number' ? status : 128) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: stderr || (err ? err.message : ''), truncated });
    });
  });
}

export async function isGitWorktree(dir: string): Promise<boolean> {
  const r = await runGit(dir, ['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout.trim() === 'true';
}
