/**
 * Plain `git` through child_process: spawning git directly is several times faster than a
 * wrapper library for the short commands worktrees need, and every call shares one error shape.
 */
import { execFile } from 'node:child_process';

/** Long enough for a fetch of a large repository; a hung network call must still end. */
export const GIT_TIMEOUT_MS = 10 * 60_000;
const MAX_BUFFER = 256 * 1024 * 1024;

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${redact(args).join(' ')} failed (${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'GitError';
  }
}

/** Never let a credential reach logs or error messages. */
function redact(args: string[]): string[] {
  return args.map((a) => (a.startsWith('http.extraHeader=') ? 'http.extraHeader=<redacted>' : a.replace(/\/\/[^@/]+@/, '//<redacted>@')));
}

export type GitOptions = {
  cwd?: string;
  env?: Record<string, string>;
  /** Extra `-c key=value` settings for this call only (credentials live here, never on disk). */
  config?: string[];
  timeoutMs?: number;
};

/**
 * Run git and return its stdout. Worktrees handed to a docker sandbox may belong to the sandbox
 * user, so ownership checks (`safe.directory`) are off: every path git touches here is ours.
 */
export function git(args: string[], opts: GitOptions = {}): Promise<string> {
  const full = ['-c', 'safe.directory=*', ...(opts.config ?? []).flatMap((c) => ['-c', c]), ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      full,
      {
        cwd: opts.cwd,
        // No prompts: a missing credential must fail, not hang a worker.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', ...opts.env },
        timeout: opts.timeoutMs ?? GIT_TIMEOUT_MS,
        maxBuffer: MAX_BUFFER,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) reject(new GitError(full, typeof err.code === 'number' ? err.code : null, stderr || err.message));
        else resolve(stdout);
      },
    );
  });
}

/** `-c` settings that authenticate HTTPS git calls with a token, without writing it anywhere. */
export function tokenConfig(url: string, token: string | undefined): string[] {
  if (!token || !/^https?:\/\//.test(url)) return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return [`http.extraHeader=Authorization: Basic ${basic}`];
}
