/** The drivers a project or operator can choose. `none` runs commands directly on the host. */
export const SANDBOX_DRIVERS = ['auto', 'docker', 'bwrap', 'none'] as const;
export type SandboxDriverName = (typeof SANDBOX_DRIVERS)[number];

export const DEFAULT_MEMORY_MB = 256;
export const DEFAULT_TIMEOUT_S = 30;
/** Exit code reported when the wall-clock timeout killed the command (as GNU `timeout` does). */
export const EXIT_TIMEOUT = 124;
/** Exit code reported when the memory limit killed the command (128 + SIGKILL). */
export const EXIT_OOM = 137;
/** Exit code reported when the caller aborted the command through its AbortSignal. */
export const EXIT_ABORTED = 130;

export type ExecOptions = {
  /** Working directory, relative to the workspace root (or absolute inside the sandbox). */
  cwd?: string;
  /** Extra non-secret variables for this command only. */
  env?: Record<string, string>;
  /** Wall-clock limit for this command; defaults to the sandbox's `timeoutS`. */
  timeoutMs?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
};

export type ExecResult = {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  oom: boolean;
  durationMs: number;
};

export interface Sandbox {
  /** Which driver actually runs the commands (never `auto`). */
  readonly driver: Exclude<SandboxDriverName, 'auto'>;
  /** False only for the `none` driver: the UI flags such projects. */
  readonly isolated: boolean;
  /** Where the workspace appears to commands inside the sandbox. */
  readonly workdir: string;
  start(): Promise<void>;
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  stop(): Promise<void>;
}

export type SandboxOptions = {
  driver?: SandboxDriverName;
  /** Host directory mounted read-write; the only place commands may write that outlives them. */
  workspaceDir: string;
  memoryMb?: number;
  timeoutS?: number;
  /** Only `false` is supported: sandboxes have no network. Kept as a field so callers say so. */
  network?: false;
  /**
   * The one way out for the setup phase: a unix socket served by Nightshift's egress proxy
   * (server/env/egress-proxy.ts), whose directory also holds the in-sandbox forwarder. The
   * sandbox still has no network device; every command is wrapped by the forwarder, which
   * listens on the sandbox's own loopback and hands each connection to the socket, and gets
   * HTTP(S)_PROXY pointing at it. A program that ignores the proxy variables reaches nothing.
   */
  egress?: { socketPath: string };
  /**
   * Extra host directories mounted at absolute paths inside (after the workspace, so a target
   * may lie inside it): the dependency copies of a cached environment. Read-write unless
   * `readOnly`.
   */
  binds?: SandboxBind[];
  /** Directories put in front of PATH (a virtualenv's bin), absolute paths inside the sandbox. */
  pathPrepend?: string[];
  /** The project's declared non-secret variables. Never pass the host's environment here. */
  env?: Record<string, string>;
  /**
   * Host paths mounted read-only at the same path inside, e.g. the repository mirror, so that a
   * worktree's `.git` pointer resolves and `git status`/`git diff` work in the sandbox.
   */
  readOnlyPaths?: string[];
  /** Upper bound on processes inside the sandbox (fork storms stop here). */
  pidsMax?: number;
  /** docker driver: image to run (default NIGHTSHIFT_SANDBOX_IMAGE or nightshift-sandbox:local). */
  image?: string;
  /** docker driver: socket path (default from DOCKER_HOST, /var/run/docker.sock, podman's). */
  socketPath?: string;
};

export type SandboxBind = { source: string; target: string; readOnly?: boolean };

/** Where the workspace appears inside the isolating drivers (bwrap and docker alike). */
export const SANDBOX_WORKDIR = '/workspace';
/** Where the egress socket's directory is mounted inside the sandbox. */
export const EGRESS_MOUNT = '/run/nightshift-egress';
/** File names inside the egress directory (written by the egress proxy). */
export const EGRESS_SOCKET_NAME = 'proxy.sock';
export const EGRESS_FORWARDER_NAME = 'forwarder.cjs';

/** Raised when no driver can run commands; `userMessage` says what the operator can do. */
export class SandboxUnavailableError extends Error {
  constructor(message: string, readonly userMessage: string = message) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}
