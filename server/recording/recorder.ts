/**
 * The recording of one task: every model exchange (request digest, the stream parts as received,
 * timing, usage), tool call (arguments, output, duration), sandbox command (command line, exit
 * code, output, duration) and checkpoint, in the order they happened. It lives in memory (QA's
 * evidence is checked against it) and goes to sinks: the database for every run, an NDJSON file
 * for `nightshift agent --record`. The run's redaction list applies before anything is kept.
 *
 * The task executor (`runTaskSession`) drives it through these hooks; with `replay`, the models it
 * hands out answer from an earlier recording instead of the network.
 */
import type { AgentEvent } from '../agent/types';
import { createRedactor } from '../agent/redact';
import type { LanguageModel, ModelRequest, StreamPart, Usage } from '../llm';
import type { ExecOptions, ExecResult, Sandbox } from '../../sandbox/types';
import { createDigester, createNormalizer } from './digest';
import { redactDeep } from './redact-deep';
import { divergedStream, Replayer, type ReplayStats } from './replay';
import {
  COMMAND_OUTPUT_MAX_CHARS,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type BlobLine,
  type CheckpointRecord,
  type CommandRecord,
  type LoadedRecording,
  type ModelRecord,
  type RecordEntry,
  type RecordingEnding,
  type RecordingHeader,
  type RecordingSink,
  type ToolRecord,
} from './types';

/** What the session tells the recording when it starts. */
export type RecordingStart = {
  runId: string;
  taskId: string;
  taskKey: string;
  title: string;
  description: string;
  criteria: string[];
  mode: 'pipeline' | 'agent';
  model: string;
  baseCommit: string;
  baseTree: string;
  budgets?: Record<string, number>;
  maxQaCycles?: number;
  environment?: boolean;
  /**
   * Names that belong to this execution of the task (worktree path, branch, mirror): replaced by
   * placeholders in request digests so a replay elsewhere digests the same. The task and run ids
   * are added automatically.
   */
  volatile?: Array<[value: string, placeholder: string]>;
};

export type TaskRecordingOptions = {
  /** Values never to be stored (the run's API keys and tokens); credential shapes are removed too. */
  secrets?: string[];
  sinks?: RecordingSink[];
  /** Answer every model call from this recording (deterministic replay). */
  replay?: { recording: LoadedRecording; lenient?: boolean; label: string };
  /** What an earlier execution of this task recorded (a resumed task continues its recording). */
  previous?: LoadedRecording | null;
};

export type RecordingClose = { errors: string[] };

const cut = (text: string): { text: string; cut: boolean } => {
  if (text.length <= COMMAND_OUTPUT_MAX_CHARS) return { text, cut: false };
  const head = Math.floor(COMMAND_OUTPUT_MAX_CHARS / 4);
  const tail = COMMAND_OUTPUT_MAX_CHARS - head;
  return { text: `${text.slice(0, head)}\n… [${text.length - COMMAND_OUTPUT_MAX_CHARS} characters not recorded] …\n${text.slice(text.length - tail)}`, cut: true };
};

/** `sh -c SCRIPT` is recorded as its script: the command line the agent wrote. */
function commandLine(argv: string[]): string {
  if (argv.length === 3 && (argv[0] === 'sh' || argv[0] === 'bash' || argv[0] === '/bin/sh') && argv[1] === '-c') return argv[2];
  return argv.map((a) => (/^[\w./:=@%+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * One task's recording. Create it before the session; the session calls {@link begin}, wraps each
 * role's model and sandbox with {@link model} and {@link sandbox}, passes agent events and
 * checkpoints, and calls {@link end}. {@link close} flushes the sinks (also after a crash of the
 * session, when `end` never came).
 */
export class TaskRecording {
  readonly entries: RecordEntry[] = [];
  readonly blobs = new Map<string, string>();
  header: RecordingHeader | null = null;
  ending: RecordingEnding | null = null;
  private seq = 0;
  private calls = 0;
  private readonly redact: (text: string) => string;
  private readonly sinks: RecordingSink[];
  private readonly failed = new Map<RecordingSink, string>();
  private queue: Array<BlobLine | RecordEntry> = [];
  private flushing: Promise<void> = Promise.resolve();
  private opened = false;
  private closed = false;
  private digester: ReturnType<typeof createDigester> | null = null;
  private readonly turns = new Map<string, number>();
  private readonly pendingTools = new Map<string, { at: number; args: unknown }>();
  readonly replayer: Replayer | null;

  constructor(private readonly opts: TaskRecordingOptions = {}) {
    this.redact = createRedactor(opts.secrets);
    this.sinks = opts.sinks ?? [];
    this.replayer = opts.replay ? new Replayer(opts.replay.recording, { lenient: opts.replay.lenient, label: opts.replay.label }) : null;
    const prev = opts.previous;
    if (prev) {
      this.header = prev.header;
      for (const [h, t] of prev.blobs) this.blobs.set(h, t);
      for (const e of prev.entries) {
        this.entries.push(e);
        this.seq = Math.max(this.seq, e.seq);
        if (e.kind === 'model') this.calls = Math.max(this.calls, e.call);
      }
    }
  }

  /** How many model calls the recording holds. */
  get modelCalls(): number {
    return this.calls;
  }

  get replay(): ReplayStats | null {
    return this.replayer?.stats ?? null;
  }

  /** Starts the recording (a resumed task keeps the header of its first execution). */
  async begin(start: RecordingStart): Promise<void> {
    const volatile: Array<[string, string]> = [[start.taskId, '<task-id>'], [start.runId, '<run-id>'], ...(start.volatile ?? [])];
    this.digester = createDigester(createNormalizer(this.redact, volatile));
    if (!this.header) {
      this.header = {
        kind: 'header',
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        runId: start.runId,
        taskId: start.taskId,
        taskKey: start.taskKey,
        title: this.redact(start.title),
        description: this.redact(start.description),
        criteria: start.criteria.map(this.redact),
        mode: start.mode,
        model: start.model,
        baseCommit: start.baseCommit,
        baseTree: start.baseTree,
        ...(start.budgets ? { budgets: start.budgets } : {}),
        ...(start.maxQaCycles !== undefined ? { maxQaCycles: start.maxQaCycles } : {}),
        ...(start.environment ? { environment: true } : {}),
        createdAt: new Date().toISOString(),
      };
    }
    await Promise.all(this.sinks.map((s) => this.guard(s, () => s.open(this.header!))));
    this.opened = true;
    this.schedule();
  }

  /** Every request and streamed answer of `role` goes through the returned model. */
  model(inner: LanguageModel, info: { role: string; cycle: number; modelName: string }): LanguageModel {
    const self = this;
    return {
      provider: inner.provider,
      modelId: inner.modelId,
      capabilities: inner.capabilities,
      stream(request: ModelRequest): AsyncIterable<StreamPart> {
        return self.exchange(inner, info, request);
      },
    };
  }

  private async *exchange(inner: LanguageModel, info: { role: string; cycle: number; modelName: string }, request: ModelRequest): AsyncIterable<StreamPart> {
    const call = ++this.calls;
    const digester = this.digester ?? createDigester(createNormalizer(this.redact, []));
    const { digest, texts, blobs } = digester(info.modelName, request);
    const turn = this.turns.get(`${info.role}:${info.cycle}`);
    const startedAt = new Date();
    const t0 = performance.now();
    const parts: StreamPart[] = [];
    const times: number[] = [];
    let usage: Usage | null = null;
    let source: AsyncIterable<StreamPart> | Iterable<StreamPart>;
    if (this.replayer) {
      const answer = this.replayer.answer(call, info.role, info.cycle, digest, texts);
      source = 'record' in answer ? answer.record.parts : divergedStream(answer.error);
    } else {
      source = inner.stream(request);
    }
    try {
      for await (const part of source) {
        parts.push(part);
        times.push(Math.round((performance.now() - t0) * 10) / 10);
        if (part.type === 'usage') usage = { ...(usage ?? { inputTokens: 0, outputTokens: 0 }), ...stripType(part) };
        yield part;
      }
    } finally {
      // Kept whether the consumer read to the end or stopped early (an abort).
      for (const b of blobs) this.blob(b.hash, b.text);
      const rec: ModelRecord = {
        kind: 'model',
        seq: ++this.seq,
        call,
        role: info.role,
        cycle: info.cycle,
        ...(turn !== undefined ? { turn } : {}),
        digest,
        parts: redactDeep(parts, this.redact),
        times,
        startedAt: startedAt.toISOString(),
        firstPartMs: times.length ? times[0] : null,
        durationMs: Math.round(performance.now() - t0),
        usage,
      };
      this.push(rec);
    }
  }

  /** Every command `role` runs goes through the returned sandbox. */
  sandbox(inner: Sandbox, info: { role: string; cycle: number }): Sandbox {
    const self = this;
    return {
      driver: inner.driver,
      isolated: inner.isolated,
      workdir: inner.workdir,
      start: () => inner.start(),
      stop: () => inner.stop(),
      async exec(cmd: string[], options?: ExecOptions): Promise<ExecResult> {
        const live = await inner.exec(cmd, options);
        return self.command(info, cmd, options, live);
      },
    };
  }

  private command(info: { role: string; cycle: number }, argv: string[], options: ExecOptions | undefined, live: ExecResult): ExecResult {
    const stdout = cut(this.redact(live.stdout));
    const stderr = cut(this.redact(live.stderr));
    const turn = this.turns.get(`${info.role}:${info.cycle}`);
    const rec: CommandRecord = {
      kind: 'command',
      seq: ++this.seq,
      role: info.role,
      cycle: info.cycle,
      ...(turn !== undefined ? { turn } : {}),
      command: this.redact(commandLine(argv)),
      argv: argv.map(this.redact),
      ...(options?.cwd ? { cwd: options.cwd } : {}),
      exitCode: live.exitCode,
      timedOut: live.timedOut,
      oom: live.oom,
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.cut || stderr.cut,
      durationMs: Math.round(live.durationMs),
    };
    // In a replay the model is shown what it was shown when recorded (the live result is what is recorded now).
    const shown = this.replayer?.commandResult(info.role, info.cycle, rec.argv, { ...live, stdout: stdout.text, stderr: stderr.text });
    this.push(rec);
    return shown ?? live;
  }

  /** Tool calls with their arguments, output and duration (from the agents' events). */
  agentEvent(role: string, cycle: number, event: AgentEvent): void {
    switch (event.type) {
      case 'turn-start':
        this.turns.set(`${role}:${cycle}`, event.turn);
        break;
      case 'tool-call':
        this.pendingTools.set(`${role}:${cycle}:${event.call.id}`, { at: performance.now(), args: event.call.invalid ? (event.call.rawArgs ?? '') : event.call.args });
        break;
      case 'tool-result': {
        const key = `${role}:${cycle}:${event.callId}`;
        const started = this.pendingTools.get(key);
        this.pendingTools.delete(key);
        const rec: ToolRecord = {
          kind: 'tool',
          seq: ++this.seq,
          role,
          cycle,
          turn: event.turn,
          callId: event.callId,
          toolName: event.toolName,
          args: redactDeep(started?.args ?? null, this.redact),
          output: this.redact(event.output),
          isError: event.isError,
          durationMs: started ? Math.round(performance.now() - started.at) : 0,
        };
        this.push(rec);
        break;
      }
      default:
        break;
    }
  }

  async checkpoint(info: { seq: number; commit: string; label: string }): Promise<void> {
    const rec: CheckpointRecord = { kind: 'checkpoint', seq: ++this.seq, checkpoint: info.seq, commit: info.commit, label: this.redact(info.label) };
    this.push(rec);
  }

  /** The commands `role` ran in `cycle`, in order (what QA's evidence may cite). */
  commands(role: string, cycle: number): CommandRecord[] {
    return this.entries.filter((e): e is CommandRecord => e.kind === 'command' && e.role === role && e.cycle === cycle);
  }

  /** Ends the recording with the task's outcome and flushes the sinks. */
  async end(info: { status: string; commit: string | null; tree: string | null }): Promise<RecordingClose> {
    this.ending = { kind: 'end', status: info.status, commit: info.commit, tree: info.tree, modelCalls: this.calls, records: this.entries.length, endedAt: new Date().toISOString() };
    return this.close();
  }

  /** Flushes and closes the sinks; the errors of sinks that failed, if any. Safe to call twice. */
  async close(): Promise<RecordingClose> {
    if (!this.closed) {
      this.closed = true;
      this.schedule();
      await this.flushing;
      if (this.opened) await Promise.all(this.sinks.map((s) => this.guard(s, () => s.close(this.ending))));
    }
    return { errors: [...this.failed].map(([s, e]) => `${s.name}: ${e}`) };
  }

  /** Waits until every line so far has reached the sinks. */
  async flush(): Promise<void> {
    this.schedule();
    await this.flushing;
  }

  private blob(hash: string, text: string): void {
    if (this.blobs.has(hash)) return;
    this.blobs.set(hash, text);
    this.queue.push({ kind: 'blob', hash, text });
  }

  private push(rec: RecordEntry): void {
    this.entries.push(rec);
    this.queue.push(rec);
    this.schedule();
  }

  private schedule(): void {
    if (!this.opened || !this.queue.length || !this.sinks.length) {
      if (!this.sinks.length) this.queue = [];
      return;
    }
    const lines = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(() => Promise.all(this.sinks.map((s) => (this.failed.has(s) ? undefined : this.guard(s, () => s.write(lines))))).then(() => undefined));
  }

  private async guard(sink: RecordingSink, fn: () => Promise<void>): Promise<void> {
    if (this.failed.has(sink)) return;
    try {
      await fn();
    } catch (err) {
      // A sink that fails stops receiving lines; the run goes on and close() reports it.
      this.failed.set(sink, (err as Error).message);
    }
  }
}

function stripType(part: { type: 'usage' } & Usage): Usage {
  const { type: _t, ...rest } = part;
  return rest;
}

/** Records a task; see {@link TaskRecording}. */
export function createTaskRecording(opts: TaskRecordingOptions = {}): TaskRecording {
  return new TaskRecording(opts);
}
