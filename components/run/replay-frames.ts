import type { RecordEntry } from '../../server/recording/types';

/**
 * The Replay player's timeline: one frame per stream part of a model exchange (at the pace the
 * parts arrived), one per tool call, command and checkpoint (at their recorded duration). A
 * frame shows every record up to `entry`, the last one streamed up to part `part`.
 */
export type Frame = { entry: number; part?: number; delayMs: number };

/** Longest pause between two frames at 1× (a slow command should not stall the player). */
export const MAX_FRAME_DELAY_MS = 2_000;
/** Between two records with no duration of their own. */
const GAP_MS = 150;

export function framesOf(entries: RecordEntry[]): Frame[] {
  const frames: Frame[] = [];
  entries.forEach((e, i) => {
    if (e.kind === 'model' && e.parts.length) {
      e.parts.forEach((_p, j) => {
        const delay = j === 0 ? (e.times[0] ?? GAP_MS) : (e.times[j] ?? 0) - (e.times[j - 1] ?? 0);
        frames.push({ entry: i, part: j, delayMs: clamp(delay) });
      });
    } else {
      const d = e.kind === 'tool' || e.kind === 'command' ? e.durationMs : GAP_MS;
      frames.push({ entry: i, delayMs: clamp(d) });
    }
  });
  return frames;
}

function clamp(ms: number): number {
  return Math.max(0, Math.min(MAX_FRAME_DELAY_MS, Number.isFinite(ms) ? ms : 0));
}

/** The frame at which record `seq` is complete (a link to a record opens there); -1 when absent. */
export function frameOfRecord(entries: RecordEntry[], frames: Frame[], seq: number): number {
  const index = entries.findIndex((e) => e.seq === seq);
  if (index < 0) return -1;
  let at = -1;
  frames.forEach((f, i) => {
    if (f.entry === index) at = i;
  });
  return at;
}

/** What a model exchange said up to part `upTo` (inclusive): text, reasoning, tool calls, the ending. */
export function streamedSoFar(e: Extract<RecordEntry, { kind: 'model' }>, upTo = e.parts.length - 1) {
  let text = '';
  let reasoning = '';
  const calls: Array<{ name: string; args: unknown }> = [];
  const pending = new Map<string, { name: string; args: string }>();
  let finish: string | undefined;
  let error: string | undefined;
  for (const p of e.parts.slice(0, upTo + 1)) {
    switch (p.type) {
      case 'text-delta':
        text += p.delta;
        break;
      case 'reasoning-delta':
        reasoning += p.delta;
        break;
      case 'refusal':
        text += p.text;
        break;
      case 'tool-call-start':
        pending.set(p.id, { name: p.toolName, args: '' });
        break;
      case 'tool-call-delta': {
        const c = pending.get(p.id);
        if (c) c.args += p.delta;
        break;
      }
      case 'tool-call':
        pending.delete(p.id);
        calls.push({ name: p.toolName, args: p.args });
        break;
      case 'finish':
        finish = p.reason;
        break;
      case 'error':
        error = p.message;
        break;
      default:
        break;
    }
  }
  // Calls still being written show their arguments as received so far.
  for (const c of pending.values()) calls.push({ name: c.name, args: c.args });
  return { text, reasoning, calls, finish, error };
}
