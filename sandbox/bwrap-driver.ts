/**
 * bubblewrap driver: each command runs in fresh user, pid, net, ipc and uts namespaces with the
 * host toolchain mounted read-only, only the workspace writable, a fresh /tmp, and a cgroup that
 * caps memory and process count. Starting one costs a few milliseconds, so there is no
 * long-lived sandbox process: `start` prepares, `exec` spawns.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { cgroupName, createCgroup, removeStaleCgroups, type CgroupHandle } from './cgroups';
import { buildSandboxEnv } from './env';
import { egressDir, validateBinds, wrapForEgress } from './extras';
import { runProcess } from './run-process';
import {
  DEFAULT_MEMORY_MB,
  EGRESS_MOUNT,
  DEFAULT_TIMEOUT_S,
  EXIT_ABORTED,
  EXIT_OOM,
  EXIT_TIMEOUT,
  type ExecOptions,
  type ExecResult,
  type Sandbox,
  type SandboxOptions,
} from './types';

export const BWRAP_PATH = '/usr/bin/bwrap';
export const BWRAP_WORKDIR = '/workspace';
/** Default cap on processes per command: enough for builds and test runners, not for a storm. */
export const DEFAULT_PIDS_MAX = 256;
const SANDBOX_UID = '1000';
const HOME_DIR = '/tmp/home';

/** Top-level host directories that make up the toolchain; mounted read-only when present. */
const TOOLCHAIN_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** The part of /etc that programs need to run; nothing with host identity or credentials. */
const ETC_ALLOWLIST = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/ssl/certs',
  '/etc/ca-certificates',
  '/etc/mime.types',
];

/** Mount arguments for the toolchain, computed once: merged-/usr hosts get symlinks. */
function toolchainArgs(): string[] {
  const args: string[] = [];
  for (const dir of TOOLCHAIN_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      args.push('--symlink', readlinkSync(dir), dir);
    } else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  for (const path of ETC_ALLOWLIST) if (existsSync(path)) args.push('--ro-bind', path, path);
  return args;
}

/** A passwd/group pair naming the sandbox user, so tools that look up the uid do not fail. */
function writeIdentityFiles(dir: string): { passwd: string; group: string } {
  const passwd = join(dir, 'passwd');
  const group = join(dir, 'group');
  writeFileSync(passwd, `sandbox:x:${SANDBOX_UID}:${SANDBOX_UID}:sandbox:${HOME_DIR}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  writeFileSync(group, `sandbox:x:${SANDBOX_UID}:\nnogroup:x:65534:\n`);
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n');
  return { passwd, group };
}

function readOnlyPathArgs(paths: string[] = []): string[] {
  return paths.flatMap((p) => {
    if (!isAbsolute(p) || !existsSync(p)) throw new Error(`read-only path "${p}" is not an existing absolute path`);
    return ['--ro-bind', p, p];
  });
}

/** Read bwrap's info JSON (`{"child-pid": N, …}`) from fd 3. */
function readChildPid(child: ChildProcess): Promise<number> {
  const info = child.stdio[3] as Readable;
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      info.removeAllListeners('data');
      info.removeAllListeners('end');
      if (err) return reject(err);
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`bubblewrap did not report its sandbox pid (${text.trim() || 'no output'})`));
    };
    info.setEncoding('utf8');
    info.on('data', (c: string) => {
      text += c;
      if (text.includes('}')) done();
    });
    info.on('end', () => done());
    info.on('error', (e) => done(e));
  });
}

async function joinCgroupThenRelease(child: ChildProcess, cgroup: CgroupHandle): Promise<void> {
  const sandboxPid = await readChildPid(child);
  for (const file of cgroup.procsFiles) {
    // The monitor first: anything the sandbox process forks after this inherits the group.
    writeFileSync(file, String(child.pid));
    writeFileSync(file, String(sandboxPid));
  }
  const release = child.stdio[4] as Writable;
  release.end('x');
}

export function bwrapAvailable(): boolean {
  return existsSync(BWRAP_PATH);
}

export class BwrapSandbox implements Sandbox {
  readonly driver = 'bwrap' as const;
  readonly isolated = true;
  readonly workdir = BWRAP_WORKDIR;
  private etcDir: string | undefined;
  private baseArgs: string[] = [];
  private readonly memoryBytes: number;
  private readonly pidsMax: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SandboxOptions) {
    this.memoryBytes = (opts.memoryMb ?? DEFAULT_MEMORY_MB) * 1024 * 1024;
    this.pidsMax = opts.pidsMax ?? DEFAULT_PIDS_MAX;
    this.timeoutMs = (opts.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000;
  }

  async start(): Promise<void> {
    if (!bwrapAvailable()) throw new Error(`bubblewrap is not installed (${BWRAP_PATH}); apt-get install bubblewrap`);
    const ws = this.opts.workspaceDir;
    if (!isAbsolute(ws) || !existsSync(ws) || !statSync(ws).isDirectory()) {
      throw new Error(`workspace "${ws}" is not an existing absolute directory`);
    }
    removeStaleCgroups();
    this.etcDir = mkdtempSync(join(tmpdir(), 'nightshift-sandbox-etc-'));
    const ids = writeIdentityFiles(this.etcDir);
    const egress = egressDir(this.opts);
    this.baseArgs = [
      // A fresh network namespace per command: loopback only, never the host's. (Keeping one
      // per sandbox and joining it with nsenter measured slower: the extra exec costs more.)
      '--unshare-user', '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts',
      // No nested user namespaces: they are how a process would regain capabilities.
      '--disable-userns',
      '--die-with-parent',
      // A new session keeps the command from injecting keystrokes into the caller's terminal.
      '--new-session',
      '--cap-drop', 'ALL',
      '--uid', SANDBOX_UID, '--gid', SANDBOX_UID,
      '--hostname', 'sandbox',
      ...toolchainArgs(),
      '--ro-bind', ids.passwd, '/etc/passwd',
      '--ro-bind', ids.group, '/etc/group',
      '--ro-bind', join(this.etcDir, 'hosts'), '/etc/hosts',
      '--proc', '/proc',
      '--dev', '/dev',
      '--tmpfs', '/tmp',
      '--dir', HOME_DIR,
      ...readOnlyPathArgs(this.opts.readOnlyPaths),
      '--bind', ws, BWRAP_WORKDIR,
      // A cached environment's dependencies, mounted over their places in the workspace.
      ...validateBinds(this.opts.binds).flatMap((b) => [b.readOnly ? '--ro-bind' : '--bind', b.source, b.target]),
      // The setup phase's only way out: the egress proxy's socket (and the forwarder beside it).
      ...(egress ? ['--ro-bind', egress, EGRESS_MOUNT] : []),
      // The root is bwrap's own tmpfs: make it read-only so nothing but the workspace and /tmp take writes.
      '--remount-ro', '/',
      '--clearenv',
    ];
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!this.etcDir) throw new Error('sandbox not started: call start() first');
    if (cmd.length === 0) throw new Error('empty command');
    const cwd = opts.cwd ? (posix.isAbsolute(opts.cwd) ? opts.cwd : posix.join(BWRAP_WORKDIR, opts.cwd)) : BWRAP_WORKDIR;
    const env = buildSandboxEnv(HOME_DIR, this.opts.env, opts.env, this.opts.pathPrepend);
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]);

    const cgroup = createCgroup(cgroupName(randomBytes(4).toString('hex')), {
      memoryBytes: this.memoryBytes,
      pidsMax: this.pidsMax,
    });
    try {
      const raw = await runProcess({
        file: BWRAP_PATH,
        // bwrap reports its sandbox's pid on fd 3 and then waits for a byte on fd 4 before it
        // runs the command: we move both processes into the cgroup in between, so nothing of
        // the command ever runs outside the limits. (A shell wrapper joining the cgroup before
        // exec'ing bwrap does the same at the cost of one more exec, ~10 ms on a busy host.)
        args: ['--info-fd', '3', '--block-fd', '4', ...this.baseArgs, ...envArgs, '--chdir', cwd, '--', ...wrapForEgress(cmd, this.opts)],
        extraPipes: 2,
        env: { PATH: '/usr/bin:/bin' },
        onSpawn: (child) => joinCgroupThenRelease(child, cgroup),
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        onStdout: opts.onStdout,
        onStderr: opts.onStderr,
        signal: opts.signal,
        killTree: () => cgroup.killAll(),
      });
      const oom = !raw.timedOut && cgroup.oomKilled();
      let exitCode = raw.exitCode;
      let stderr = raw.stderr;
      if (raw.timedOut) {
        exitCode = EXIT_TIMEOUT;
        stderr += `\n[sandbox] timed out after ${opts.timeoutMs ?? this.timeoutMs} ms; all processes killed\n`;
      } else if (raw.aborted) exitCode = EXIT_ABORTED;
      else if (oom) {
        exitCode = EXIT_OOM;
        stderr += `\n[sandbox] out of memory (limit ${this.memoryBytes / 1024 / 1024} MiB); killed\n`;
      }
      return { exitCode, stdout: raw.stdout, stderr, timedOut: raw.timedOut, oom, durationMs: raw.durationMs };
    } finally {
      await cgroup.destroy();
    }
  }

  async stop(): Promise<void> {
    if (this.etcDir) rmSync(this.etcDir, { recursive: true, force: true });
    this.etcDir = undefined;
  }
}
