/**
 * What a task's recording holds: one header, then records in the order they happened, then one
 * ending. The same lines go to the database (`task_recordings`, `recording_entries`,
 * `recording_blobs`) and to an NDJSON file (`nightshift agent --record FILE`), one JSON object a
 * line. Everything in here has been through the run's redaction list before it was stored.
 */
import type { StreamPart, Usage } from '../llm';

/** Bumped when a line's shape changes so that an old file is refused with a clear message. */
export const RECORDING_FORMAT = 'nightshift-recording';
export const RECORDING_VERSION = 1;

/** Who did something: a pipeline role (or `setup`, the environment setup before the first role). */
export type RecordActor = { role: string; cycle: number; turn?: number };

/**
 * The request as the harness sent it, hashed: the model name, the system prompt, each message
 * and the tool list, each after redaction and with the run's own names (task and run ids, the
 * worktree's path, the branch) replaced by placeholders, so a replay in another worktree has the
 * same digest. `hash` covers all of them; the texts are kept once each as blobs, by hash.
 */
export type RequestDigest = {
  hash: string;
  model: string;
  system: string;
  messages: string[];
  tools: string;
  maxTokens?: number;
};

export type ModelRecord = RecordActor & {
  kind: 'model';
  seq: number;
  /** 1-based position among the task's model calls. */
  call: number;
  digest: RequestDigest;
  /** The stream parts as the harness received them. */
  parts: StreamPart[];
  /** Milliseconds from the request to each part (same length as `parts`). */
  times: number[];
  startedAt: string;
  firstPartMs: number | null;
  durationMs: number;
  usage: Usage | null;
};

export type ToolRecord = RecordActor & {
  kind: 'tool';
  seq: number;
  callId: string;
  toolName: string;
  args: unknown;
  output: string;
  isError: boolean;
  durationMs: number;
};

/** Output kept per stream of a command; longer output keeps its head and tail. */
export const COMMAND_OUTPUT_MAX_CHARS = 64 * 1024;

export type CommandRecord = RecordActor & {
  kind: 'command';
  seq: number;
  /** The command line (`sh -c` scripts as their script). */
  command: string;
  argv: string[];
  cwd?: string;
  exitCode: number;
  timedOut: boolean;
  oom: boolean;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut to {@link COMMAND_OUTPUT_MAX_CHARS}. */
  truncated: boolean;
  durationMs: number;
};

export type CheckpointRecord = {
  kind: 'checkpoint';
  seq: number;
  /** The session's checkpoint number. */
  checkpoint: number;
  commit: string;
  label: string;
};

export type RecordEntry = ModelRecord | ToolRecord | CommandRecord | CheckpointRecord;
export type RecordKind = RecordEntry['kind'];

/** Text a digest hash stands for, stored once per recording. */
export type BlobLine = { kind: 'blob'; hash: string; text: string };

export type RecordingHeader = {
  kind: 'header';
  format: typeof RECORDING_FORMAT;
  version: number;
  runId: string;
  taskId: string;
  taskKey: string;
  title: string;
  description: string;
  criteria: string[];
  mode: 'pipeline' | 'agent';
  /** The task's model name (`provider:model`). */
  model: string;
  /** The commit and tree the task's worktree started from. */
  baseCommit: string;
  baseTree: string;
  budgets?: Record<string, number>;
  maxQaCycles?: number;
  /** The task had a dependency environment (set up before the first role, `install_dependencies` offered). */
  environment?: boolean;
  createdAt: string;
};

export type RecordingEnding = {
  kind: 'end';
  status: string;
  /** The commit the task's branch ended on and its tree. */
  commit: string | null;
  tree: string | null;
  modelCalls: number;
  records: number;
  endedAt: string;
};

export type RecordingLine = RecordingHeader | BlobLine | RecordEntry | RecordingEnding;

/** A whole recording in memory (read back from a file or the database). */
export type LoadedRecording = {
  header: RecordingHeader;
  entries: RecordEntry[];
  blobs: Map<string, string>;
  ending: RecordingEnding | null;
};

/**
 * Where a recording's lines go besides memory. `write` receives lines in order (blobs before the
 * records that name them); a sink that fails stops receiving lines and `close` reports it.
 */
export interface RecordingSink {
  readonly name: string;
  open(header: RecordingHeader): Promise<void>;
  write(lines: Array<BlobLine | RecordEntry>): Promise<void>;
  close(ending: RecordingEnding | null): Promise<void>;
}
