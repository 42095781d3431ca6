import type { RealtimeEvent } from '../../server/realtime/events';

/** What an executor gets to know about its task. */
export type ExecutableTask = {
  id: string;
  orgId: string;
  runId: string;
  key: string;
  title: string;
  description: string;
  files: string[];
  repo: string | null;
  wave: number;
  /** 1 on the first execution; higher after a retry or a crash resume. */
  attempt: number;
  model: string;
};

export type Checkpoint = { turn: number; state: unknown };

export type TaskResult =
  | {
      status: 'succeeded';
      summary?: string;
      output?: Record<string, unknown>;
      branch?: string;
      commitSha?: string;
      usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
    }
  /**
   * A failure the executor knows retrying will not fix (a rejected review, a bad spec); what it
   * produced anyway (a draft pull request's branch, the tokens spent) is recorded with it.
   */
  | {
      status: 'failed';
      error: string;
      retryable?: false;
      output?: Record<string, unknown>;
      branch?: string;
      usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
    };

export type ExecutorContext = {
  /** The last saved checkpoint; null on a fresh start. Continue after its turn. */
  checkpoint: Checkpoint | null;
  /** Records a finished turn. Throws LeaseLostError when another worker owns the task now. */
  saveCheckpoint(turn: number, state: unknown): Promise<void>;
  /**
   * Runs a side effect at most once per task and key (a commit, a push) and returns its stored
   * result on every later call. `recovering` is true when a previous execution started this effect
   * and died before recording it: look for the effect (e.g. a commit with this key as a trailer)
   * before doing it again.
   */
  commitOnce<T>(key: string, fn: (info: { key: string; recovering: boolean }) => Promise<T>): Promise<T>;
  /**
   * Aborted when the run is cancelled, the lease is lost, the execution times out, or — when the
   * worker shuts down — right after the next checkpoint is saved (the turn in flight finishes first).
   */
  signal: AbortSignal;
  publish(event: RealtimeEvent): Promise<void>;
};

/** The pluggable work of a task: the agent pipeline in production, scripted in tests and benches. */
export type TaskExecutor = (task: ExecutableTask, ctx: ExecutorContext) => Promise<TaskResult>;

export class LeaseLostError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} is now owned by another worker`);
    this.name = 'LeaseLostError';
  }
}

export class TaskCancelledError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TaskCancelledError';
  }
}

/** The abort reason of a task handed back because its worker is shutting down (SIGTERM). */
export class WorkerDrainingError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} handed back: its worker is shutting down`);
    this.name = 'WorkerDrainingError';
  }
}
