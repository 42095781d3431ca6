/**
 * Spawn one process, stream its output to callbacks while capturing it, and enforce a
 * wall-clock limit. Drivers supply `killTree`, which must end every descendant (the cgroup or
 * the container), because killing only the direct child lets `setsid` children survive.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Captured output per stream; beyond this the head is kept and a marker appended. */
export const MAX_CAPTURED_CHARS = 1_000_000;

export type RawRun = {
  exitCode: number;
  timedOut: boolean;
  aborted: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
};

export type RunSpec = {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Ends the whole process tree; called on timeout or abort. */
  killTree: () => void;
  /** Extra pipes after stdin/stdout/stderr (fd 3, 4, …), for a handshake with the child. */
  extraPipes?: number;
  /**
   * Runs right after the spawn, while output already streams. If it rejects, the tree is
   * killed and the message reported on stderr.
   */
  onSpawn?: (child: ChildProcess) => Promise<void>;
};

function capture(onChunk?: (chunk: string) => void) {
  let text = '';
  let truncated = false;
  return {
    push(chunk: string) {
      onChunk?.(chunk);
      if (truncated) return;
      if (text.length + chunk.length > MAX_CAPTURED_CHARS) {
        text += chunk.slice(0, MAX_CAPTURED_CHARS - text.length) + '\n[output truncated]\n';
        truncated = true;
      } else text += chunk;
    },
    get text() {
      return text;
    },
  };
}

export function runProcess(spec: RunSpec): Promise<RawRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const out = capture(spec.onStdout);
    const err = capture(spec.onStderr);
    let timedOut = false;
    let aborted = false;
    const child = spawn(spec.file, spec.args, {
      env: spec.env as NodeJS.ProcessEnv,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(spec.extraPipes ?? 0).fill('pipe')],
      // Own process group, so a host-side kill of the group reaches the wrapper too.
      detached: true,
    });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => err.push(c));

    const killAll = () => {
      try {
        spec.killTree();
      } finally {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* group already gone */
        }
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, spec.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killAll();
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    if (spec.onSpawn && child.pid) {
      spec.onSpawn(child).catch((e: Error) => {
        err.push(`[sandbox] ${e.message}\n`);
        killAll();
      });
    }

    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    // 'close' waits for the pipes to drain, so all output has reached the callbacks.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (spawnError) err.push(`cannot start ${spec.file}: ${spawnError.message}\n`);
      const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
      resolve({
        exitCode: spawnError ? 127 : exitCode,
        timedOut,
        aborted,
        stdout: out.text,
        stderr: err.text,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
function signalNumber(signal: NodeJS.Signals): number {
  return SIGNALS[signal] ?? 1;
}
