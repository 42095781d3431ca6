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
  const started = gitObservers().size ? process.hrtime.bigint() : null;
  const done = <T>(p: Promise<T>): Promise<T> => {
    if (started === null) return p;
    const report = (ok: boolean) => {
      const info = { command: subcommand(args), seconds: Number(process.hrtime.bigint() - started) / 1e9, ok };
      for (const o of gitObservers()) {
        try {
          o(info);
        } catch {
          // An observer's failure is not git's.
        }
      }
    };
    p.then(() => report(true), () => report(false));
    return p;
  };
  return done(new Promise((resolve, reject) => {
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
  }));
}

/**
 * Process-wide listeners to every git call (server/observability times them per subcommand); the
 * module stays free of any metrics dependency. `command` is the git subcommand (never a path or a URL).
 */
export type GitCallObserver = (info: { command: string; seconds: number; ok: boolean }) => void;
const OBSERVERS = Symbol.for('nightshift.git.observers');

function gitObservers(): Set<GitCallObserver> {
  const g = globalThis as unknown as Record<symbol, Set<GitCallObserver> | undefined>;
  return (g[OBSERVERS] ??= new Set());
}

/** Registers `observer` for every later git call; returns the function that removes it. */
export function observeGitCalls(observer: GitCallObserver): () => void {
  gitObservers().add(observer);
  return () => gitObservers().delete(observer);
}

/** The subcommand of a git argument list: the first word that is not an option or an option's value. */
function subcommand(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-c' || a === '-C' || a === '--git-dir' || a === '--work-tree') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return /^[a-z][a-z-]{0,30}$/.test(a) ? a : 'other';
  }
  return 'other';
}

/** `-c` settings that authenticate HTTPS git calls with a token, without writing it anywhere. */
export function tokenConfig(url: string, token: string | undefined): string[] {
  if (!token || !/^https?:\/\//.test(url)) return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return [`http.extraHeader=Authorization: Basic ${basic}`];
}
