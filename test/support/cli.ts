/**
 * Runs the nightshift CLI (`bin/nightshift.js`) as a child process, the way a user runs it, for the
 * CLI acceptance tests. One helper, so that every test spawns the same entry point the same way.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file is test/support/cli.ts). */
const ROOT = join(import.meta.dirname, '../..');

export type CliResult = {
  /** The exit code; -1 when the process ended on a signal (then `signal` names it). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /**
   * The last line of stdout parsed as JSON (most commands end with a JSON summary line), or null
   * when there is no such line or it is not JSON.
   */
  summary: Record<string, any> | null;
};

export type CliOptions = {
  /** Working directory of the child; the test process's own when absent. */
  cwd?: string;
  /** A file piped to the child's stdin. Without it stdin is an open pipe nobody writes to. */
  stdin?: string;
};

/**
 * `node bin/nightshift.js ...args`, with the test process's environment plus `env`. Resolves when
 * the process has closed its output; rejects only when it could not be started.
 *
 * @example const r = await runCli(['eval', 'compare', a, b]); expect(r.code).toBe(0);
 */
export function runCli(args: string[], env: Record<string, string> = {}, opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/nightshift.js'), ...args], {
      env: { ...process.env, ...env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr, summary: lastJsonLine(stdout) }));
    if (opts.stdin) createReadStream(opts.stdin).pipe(child.stdin);
  });
}

function lastJsonLine(stdout: string): Record<string, any> | null {
  const last = stdout.trim().split('\n').at(-1);
  if (!last) return null;
  try {
    return JSON.parse(last);
  } catch {
    return null;
  }
}
