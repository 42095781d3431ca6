import { git, GitError, tokenConfig } from './git';
import { assertRemoteAllowed } from './remote-policy';

/** A project check answers while the person waits: a remote that takes longer is reported as unreachable. */
export const PROBE_TIMEOUT_MS = 20_000;

export type RepositoryProbe =
  | { reachable: true; defaultBranch: string | null; branchExists: boolean | null }
  | { reachable: false; error: string };

/**
 * Asks a repository (a git URL or a checked local path) what it holds without fetching anything:
 * `git ls-remote` for the branch HEAD points at, and whether `branch` exists. HTTPS remotes are
 * checked against the outbound policy first and authenticated with `token` for this call only.
 * Never throws.
 * @example await probeRepository('https://github.com/acme/app.git', { branch: 'main', token })
 */
export async function probeRepository(source: string, opts: { branch?: string; token?: string; timeoutMs?: number } = {}): Promise<RepositoryProbe> {
  const config = tokenConfig(source, opts.token);
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  try {
    await assertRemoteAllowed(source);
    // `--` keeps a source starting with "-" from being read as an option.
    const head = await git(['ls-remote', '--symref', '--', source, 'HEAD'], { config, timeoutMs });
    const defaultBranch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(head)?.[1] ?? null;
    let branchExists: boolean | null = null;
    if (opts.branch) {
      const heads = await git(['ls-remote', '--heads', '--', source, `refs/heads/${opts.branch}`], { config, timeoutMs });
      branchExists = heads.split('\n').some((l) => l.endsWith(`\trefs/heads/${opts.branch}`));
    }
    return { reachable: true, defaultBranch, branchExists };
  } catch (err) {
    return { reachable: false, error: gitProblem(err) };
  }
}

/** git's own last words ("repository not found", "Could not resolve host"), without the command line. */
function gitProblem(err: unknown): string {
  if (err instanceof GitError) {
    // Killed by the timeout (no exit code).
    if (err.exitCode === null) return 'no answer in time: is the host reachable from this server?';
    const lines = err.stderr
      .split('\n')
      .map((l) => l.replace(/^(fatal|error|remote):\s*/i, '').trim())
      .filter(Boolean);
    return (lines.at(-1) ?? 'git could not read it').replace(/\/\/[^@/\s]+@/g, '//');
  }
  return (err as Error)?.message ?? String(err);
}
