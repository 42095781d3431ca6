/**
 * Deterministic replay: every model call of a task answered from its recording, in order, without
 * contacting any model. The harness still runs every tool for real (so the worktree ends on the
 * tree the recorded run ended on); a sandbox command the recording holds answers with its recorded
 * output, so timings and other noise in a command's output do not change what the model is shown.
 *
 * A request whose digest differs from the recorded one stops the replay (its model gets an error
 * it cannot retry past) with `replay diverged at model call N: …` naming the first difference;
 * `lenient` takes the next recorded answer anyway and counts the difference.
 */
import type { StreamPart } from '../llm';
import type { ExecResult } from '../../sandbox/types';
import { describeDifference, type DigestTexts } from './digest';
import type { CommandRecord, LoadedRecording, ModelRecord, RequestDigest } from './types';

/** How far ahead in its lane a recorded call may be matched (explorers run in parallel). */
const LOOKAHEAD = 8;

const lane = (role: string, cycle: number) => `${role}:${cycle}`;

export type ReplayStats = {
  /** Model calls answered from the recording. */
  answered: number;
  /** Model calls the recording holds. */
  recorded: number;
  /** Requests that differed from the recorded one (lenient replay goes on past them). */
  differences: string[];
  /** Sandbox commands whose live exit code or output differed from the recorded one. */
  commandsDiffered: Array<{ command: string; recordedExit: number; exit: number; outputDiffered: boolean }>;
  divergence: string | null;
};

export class Replayer {
  private readonly models = new Map<string, ModelRecord[]>();
  private readonly commands = new Map<string, CommandRecord[]>();
  private readonly used = new Set<ModelRecord | CommandRecord>();
  private readonly recordedCalls: number;
  readonly stats: ReplayStats;

  constructor(
    readonly source: LoadedRecording,
    readonly opts: { lenient?: boolean; label: string },
  ) {
    let calls = 0;
    for (const e of source.entries) {
      if (e.kind === 'model') {
        calls++;
        const k = lane(e.role, e.cycle);
        if (!this.models.has(k)) this.models.set(k, []);
        this.models.get(k)!.push(e);
      } else if (e.kind === 'command') {
        const k = lane(e.role, e.cycle);
        if (!this.commands.has(k)) this.commands.set(k, []);
        this.commands.get(k)!.push(e);
      }
    }
    this.recordedCalls = calls;
    this.stats = { answered: 0, recorded: calls, differences: [], commandsDiffered: [], divergence: null };
  }

  get divergence(): string | null {
    return this.stats.divergence;
  }

  /**
   * The recorded answer to call number `call` (1-based in this session) from `role` in `cycle`, or
   * the reason there is none (then the replay has diverged, unless lenient found one anyway).
   */
  answer(call: number, role: string, cycle: number, digest: RequestDigest, texts: DigestTexts): { record: ModelRecord } | { error: string } {
    if (this.stats.divergence) return { error: this.stats.divergence };
    const queue = (this.models.get(lane(role, cycle)) ?? []).filter((r) => !this.used.has(r));
    const stop = (why: string) => {
      this.stats.divergence = `replay diverged at model call ${call}: ${why}`;
      return { error: this.stats.divergence };
    };
    if (!queue.length) {
      const where = `${role}${cycle ? ` in cycle ${cycle}` : ''}`;
      return stop(this.stats.answered >= this.recordedCalls ? `the recording (${this.opts.label}) holds ${this.recordedCalls} model calls and all were answered` : `the recording (${this.opts.label}) has no further model call of ${where}`);
    }
    const match = queue.slice(0, LOOKAHEAD).find((r) => r.digest.hash === digest.hash);
    if (match) return this.take(match);
    const expected = queue[0];
    const why = `${describeDifference(expected.digest, digest, texts, (h) => this.source.blobs.get(h))} (${role}${cycle ? ` cycle ${cycle}` : ''}${expected.turn ? `, turn ${expected.turn}` : ''}; recorded call ${expected.call})`;
    if (this.opts.lenient) {
      this.stats.differences.push(`model call ${call}: ${why}`);
      return this.take(expected);
    }
    return stop(why);
  }

  private take(record: ModelRecord): { record: ModelRecord } {
    this.used.add(record);
    this.stats.answered++;
    return { record };
  }

  /**
   * The recorded result of the command `argv` from `role` in `cycle`, taking the next unused one
   * with the same command line; undefined when there is none (or its output was cut when
   * recorded), then the live result stands.
   */
  commandResult(role: string, cycle: number, argv: string[], live: ExecResult): ExecResult | undefined {
    const key = argv.join('\0');
    const rec = (this.commands.get(lane(role, cycle)) ?? []).find((r) => !this.used.has(r) && r.argv.join('\0') === key);
    if (!rec) return undefined;
    this.used.add(rec);
    const outputDiffered = rec.stdout !== live.stdout || rec.stderr !== live.stderr;
    if (rec.exitCode !== live.exitCode || outputDiffered) this.stats.commandsDiffered.push({ command: rec.command, recordedExit: rec.exitCode, exit: live.exitCode, outputDiffered });
    if (rec.truncated) return undefined;
    return { ...live, exitCode: rec.exitCode, stdout: rec.stdout, stderr: rec.stderr, timedOut: rec.timedOut, oom: rec.oom };
  }
}

/** What a replayed model streams when there is no recorded answer: an error no retry gets past. */
export async function* divergedStream(message: string): AsyncIterable<StreamPart> {
  yield { type: 'error', message, retryable: false, code: 'provider' };
  yield { type: 'finish', reason: 'error' };
}
