/**
 * docker driver: one long-lived container per sandbox (started by `start`, removed by `stop`),
 * each command a `docker exec` inside it. The container has no network, a read-only root, all
 * capabilities dropped, no-new-privileges, memory and pids limits, and only the workspace
 * mounted read-write. Works against Docker or Podman's Docker-compatible API.
 *
 * A timeout kills the whole container (the only way to reach every process an exec started,
 * including `setsid` children); the next exec starts it again.
 */
import { chownSync, existsSync, lchownSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { dockerClient, findEngine, type EngineEndpoint } from './detect';
import { buildSandboxEnv } from './env';
import { egressDir, validateBinds, wrapForEgress } from './extras';
import { MAX_CAPTURED_CHARS } from './run-process';
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

export const DEFAULT_IMAGE = process.env.NIGHTSHIFT_SANDBOX_IMAGE ?? 'nightshift-sandbox:local';
export const DOCKER_WORKDIR = '/workspace';
export const DEFAULT_CONTAINER_PIDS = 256;
/** The non-root user commands run as (matches sandbox/Dockerfile). */
const SANDBOX_UID = 1000;
const HOME_DIR = '/tmp';
/** Cap on the container's private /tmp (tmpfs pages also count against the memory limit). */
const TMP_SIZE = '256m';
/** Podman refuses to start when it cannot raise limits itself; pass both or neither. */
const ULIMITS = [
  { Name: 'nofile', Soft: 1024, Hard: 1024 },
  { Name: 'nproc', Soft: 1024, Hard: 1024 },
];
/** Images labelled this way hold only a skeleton; the host's /usr is mounted read-only instead. */
const HOST_TOOLCHAIN_LABEL = 'nightshift.toolchain';

/** Give the sandbox user the workspace when the server runs as root (the user must write it). */
function chownTree(dir: string, uid: number, gid: number): void {
  const st = lstatSync(dir);
  if (st.uid !== uid || st.gid !== gid) chownSync(dir, uid, gid);
  if (!st.isDirectory()) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const s = lstatSync(p);
    if (s.isDirectory()) chownTree(p, uid, gid);
    else if (s.uid !== uid || s.gid !== gid) {
      // lchown: never follow a symlink the workspace might contain.
      try { lchownSync(p, uid, gid); } catch { /* best effort */ }
    }
  }
}

export class DockerSandbox implements Sandbox {
  readonly driver = 'docker' as const;
  readonly isolated = true;
  readonly workdir = DOCKER_WORKDIR;
  private docker: Docker | undefined;
  private container: Docker.Container | undefined;
  private readonly timeoutMs: number;
  private user = `${SANDBOX_UID}:${SANDBOX_UID}`;

  constructor(private readonly opts: SandboxOptions, private endpoint?: EngineEndpoint) {
    this.timeoutMs = (opts.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000;
  }

  async start(): Promise<void> {
    const ws = this.opts.workspaceDir;
    if (!isAbsolute(ws) || !existsSync(ws) || !statSync(ws).isDirectory()) {
      throw new Error(`workspace "${ws}" is not an existing absolute directory`);
    }
    if (this.opts.socketPath) this.endpoint = { socketPath: this.opts.socketPath };
    this.endpoint ??= await findEngine();
    if (!this.endpoint) throw new Error('no Docker or Podman socket answers (set DOCKER_HOST or run sandbox/setup-podman.sh)');
    this.docker = dockerClient(this.endpoint);
    const image = this.opts.image ?? DEFAULT_IMAGE;
    let labels: Record<string, string> = {};
    try {
      const info = await this.docker.getImage(image).inspect();
      labels = info.Config?.Labels ?? {};
    } catch {
      throw new Error(`sandbox image "${image}" not found; build sandbox/Dockerfile or run sandbox/build-local-image.sh`);
    }

    // Run as a non-root user. When the server itself is not root, use its uid so the workspace
    // stays writable without changing ownership; as root, hand the tree to the sandbox user.
    const uid = process.getuid?.() ?? SANDBOX_UID;
    const gid = process.getgid?.() ?? SANDBOX_UID;
    if (uid === 0) chownTree(ws, SANDBOX_UID, SANDBOX_UID);
    else this.user = `${uid}:${gid}`;

    const binds = [`${ws}:${DOCKER_WORKDIR}:rw`];
    if (labels[HOST_TOOLCHAIN_LABEL] === 'host') {
      binds.push('/usr:/usr:ro');
      // The CA bundle, so TLS clients that read it (curl, git) work through the setup's egress.
      for (const p of ['/etc/ssl/certs', '/etc/ca-certificates']) if (existsSync(p)) binds.push(`${p}:${p}:ro`);
    }
    for (const p of this.opts.readOnlyPaths ?? []) {
      if (!isAbsolute(p) || !existsSync(p)) throw new Error(`read-only path "${p}" is not an existing absolute path`);
      binds.push(`${p}:${p}:ro`);
    }
    for (const b of validateBinds(this.opts.binds)) binds.push(`${b.source}:${b.target}:${b.readOnly ? 'ro' : 'rw'}`);
    const egress = egressDir(this.opts);
    if (egress) binds.push(`${egress}:${EGRESS_MOUNT}:ro`);
    const memory = (this.opts.memoryMb ?? DEFAULT_MEMORY_MB) * 1024 * 1024;
    this.container = await this.docker.createContainer({
      Image: image,
      // A do-nothing first process keeps the container alive between execs.
      Cmd: ['sleep', 'infinity'],
      User: this.user,
      WorkingDir: DOCKER_WORKDIR,
      Env: Object.entries(buildSandboxEnv(HOME_DIR, this.opts.env, {}, this.opts.pathPrepend)).map(([k, v]) => `${k}=${v}`),
      Labels: { 'nightshift.sandbox': 'true' },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Memory: memory,
        MemorySwap: memory, // equal to Memory: no swap
        PidsLimit: this.opts.pidsMax ?? DEFAULT_CONTAINER_PIDS,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Binds: binds,
        Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${TMP_SIZE}` },
        Ulimits: ULIMITS,
        AutoRemove: false,
      },
    });
    await this.container.start();
  }

  private async ensureRunning(): Promise<Docker.Container> {
    if (!this.container) throw new Error('sandbox not started: call start() first');
    const info = await this.container.inspect();
    if (!info.State.Running) await this.container.start();
    return this.container;
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (cmd.length === 0) throw new Error('empty command');
    const container = await this.ensureRunning();
    const started = performance.now();
    const cwd = opts.cwd ? (posix.isAbsolute(opts.cwd) ? opts.cwd : posix.join(DOCKER_WORKDIR, opts.cwd)) : DOCKER_WORKDIR;
    const env = buildSandboxEnv(HOME_DIR, this.opts.env, opts.env, this.opts.pathPrepend);
    const exec = await container.exec({
      Cmd: wrapForEgress(cmd, this.opts),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: cwd,
      User: this.user,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    let stdout = '';
    let stderr = '';
    const out = new PassThrough();
    const err = new PassThrough();
    out.setEncoding('utf8').on('data', (c: string) => {
      opts.onStdout?.(c);
      if (stdout.length < MAX_CAPTURED_CHARS) stdout += c;
    });
    err.setEncoding('utf8').on('data', (c: string) => {
      opts.onStderr?.(c);
      if (stderr.length < MAX_CAPTURED_CHARS) stderr += c;
    });
    this.docker!.modem.demuxStream(stream, out, err);

    let timedOut = false;
    let aborted = false;
    const killContainer = () => this.killContainer(container);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      void killContainer();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      void killContainer();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    out.end();
    err.end();

    const info = await exec.inspect().catch(() => undefined);
    if (!timedOut && !aborted) await this.killLeftovers(container);
    let exitCode = info?.ExitCode ?? 137;
    // The engine does not attribute an OOM kill to an exec; a SIGKILL we did not send can only
    // come from the kernel's OOM killer (or the command killing itself, which we accept).
    const oom = !timedOut && !aborted && exitCode === 137;
    if (timedOut) {
      exitCode = EXIT_TIMEOUT;
      stderr += `\n[sandbox] timed out after ${timeoutMs} ms; all processes killed\n`;
    } else if (aborted) exitCode = EXIT_ABORTED;
    else if (oom) {
      exitCode = EXIT_OOM;
      stderr += `\n[sandbox] out of memory (limit ${this.opts.memoryMb ?? DEFAULT_MEMORY_MB} MiB); killed\n`;
    }
    return { exitCode, stdout, stderr, timedOut, oom, durationMs: Math.round(performance.now() - started) };
  }

  /**
   * Nothing may outlive its command (as with bubblewrap, where the pid namespace ends with it):
   * a background or `setsid` child would keep running, hold pids and see later commands' files.
   * The keep-alive process is the only one allowed, so anything else means a restart.
   */
  private async killLeftovers(container: Docker.Container): Promise<void> {
    // `top` runs ps inside the container; when that fails (a full pids table) assume the worst.
    const top = await container.top().catch(() => undefined);
    const count = top?.Processes?.length ?? Infinity;
    if (count > 1) await this.killContainer(container);
  }

  /** SIGKILL everything in the container and wait until it has stopped. */
  private async killContainer(container: Docker.Container): Promise<void> {
    await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    await container.wait().catch(() => undefined);
  }

  async stop(): Promise<void> {
    const c = this.container;
    this.container = undefined;
    if (c) await c.remove({ force: true }).catch(() => undefined);
  }
}
