/**
 * No isolation: commands run directly on the host, in the workspace, with the same minimal
 * environment as the real drivers. Only for an operator who chose it explicitly
 * (`SANDBOX_DRIVER=none`); `isolated` is false so the UI can flag the project.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { wrapForEgress } from './extras';
import { buildSandboxEnv } from './env';
import { runProcess } from './run-process';
import { DEFAULT_TIMEOUT_S, EXIT_ABORTED, EXIT_TIMEOUT, type ExecOptions, type ExecResult, type Sandbox, type SandboxOptions } from './types';

export class NoneSandbox implements Sandbox {
  readonly driver = 'none' as const;
  readonly isolated = false;
  readonly workdir: string;

  constructor(private readonly opts: SandboxOptions) {
    this.workdir = opts.workspaceDir;
  }

  async start(): Promise<void> {
    if (this.opts.binds?.length) throw new Error('the "none" driver cannot mount dependencies; use bwrap or docker');
    const ws = this.opts.workspaceDir;
    if (!isAbsolute(ws) || !existsSync(ws) || !statSync(ws).isDirectory()) {
      throw new Error(`workspace "${ws}" is not an existing absolute directory`);
    }
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (cmd.length === 0) throw new Error('empty command');
    const timeoutMs = opts.timeoutMs ?? (this.opts.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000;
    // With egress the forwarder runs on the host too: the proxy variables steer well-behaved
    // installers, but nothing fences a command that ignores them (isolated is false).
    const full = wrapForEgress(cmd, this.opts, this.opts.egress ? dirname(this.opts.egress.socketPath) : undefined);
    const raw = await runProcess({
      file: full[0],
      args: full.slice(1),
      env: buildSandboxEnv(process.env.HOME ?? '/tmp', this.opts.env, opts.env, this.opts.pathPrepend),
      cwd: opts.cwd ? resolve(this.workdir, opts.cwd) : this.workdir,
      timeoutMs,
      onStdout: opts.onStdout,
      onStderr: opts.onStderr,
      signal: opts.signal,
      // Without a cgroup the process group is the best we have; runProcess kills it.
      killTree: () => {},
    });
    const exitCode = raw.timedOut ? EXIT_TIMEOUT : raw.aborted ? EXIT_ABORTED : raw.exitCode;
    return { exitCode, stdout: raw.stdout, stderr: raw.stderr, timedOut: raw.timedOut, oom: false, durationMs: raw.durationMs };
  }

  async stop(): Promise<void> {}
}
