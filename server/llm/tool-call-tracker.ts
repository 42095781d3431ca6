import { parseToolArgs } from './parse-tool-args';
import type { StreamPart } from './types';

interface Entry {
  key: string;
  order: number;
  id?: string;
  toolName?: string;
  chunks: string[];
  /** Argument text received before the id and name were known (out-of-order deltas). */
  pending: string[];
  started: boolean;
  done: boolean;
  /** Arguments that arrived whole as a value (Ollama), not as text. */
  whole?: Record<string, unknown>;
  /** Sequence number of the last delta, so the call being written when the stream stopped is known. */
  touched: number;
}

export interface ToolCallDelta {
  id?: string;
  toolName?: string;
  /** A piece of the argument JSON text. */
  args?: string;
}

export interface ToolCallTrackerOptions {
  /** Makes ids for calls the provider sent without one (Ollama, the text protocol). */
  newId?: (ordinal: number) => string;
}

/**
 * Assembles tool calls from deltas for every dialect. Deltas are keyed by the provider's index
 * (OpenAI), block index (Anthropic) or ordinal (Ollama, text protocol) and may arrive interleaved
 * or out of order. Arguments are parsed only on flush, because a buffer that parses may still be
 * a prefix of the real arguments.
 */
export class ToolCallTracker {
  private readonly entries = new Map<string, Entry>();
  private ordinal = 0;
  private touches = 0;
  private emittedCalls = 0;
  private readonly newId: (ordinal: number) => string;

  constructor(options: ToolCallTrackerOptions = {}) {
    this.newId = options.newId ?? ((n) => `call_${n}`);
  }

  /** Number of complete `tool-call` parts emitted so far. */
  get callCount(): number {
    return this.emittedCalls;
  }

  get hasOpenCalls(): boolean {
    for (const e of this.entries.values()) if (!e.done) return true;
    return false;
  }

  /** Adds a delta for the call at `key`; pushes any parts it makes visible onto `out`. */
  delta(key: string | number, d: ToolCallDelta, out: StreamPart[]): void {
    let entry = this.entries.get(String(key));
    // Some OpenAI-compatible servers reuse index 0 for every parallel call; a new id at an index
    // whose call already has arguments means a new call.
    if (entry && d.id && entry.id && d.id !== entry.id && (entry.chunks.length || entry.pending.length)) {
      this.finalise(entry, out);
      this.entries.delete(entry.key);
      this.entries.set(`${entry.key}#${entry.order}`, entry);
      entry = undefined;
    }
    if (!entry) {
      entry = { key: String(key), order: this.ordinal++, chunks: [], pending: [], started: false, done: false, touched: 0 };
      this.entries.set(entry.key, entry);
    }
    if (entry.done) return;
    entry.touched = ++this.touches;
    if (d.id && !entry.id) entry.id = d.id;
    if (d.toolName && !entry.toolName) entry.toolName = d.toolName;
    if (!entry.started && entry.id && entry.toolName) this.start(entry, out);
    if (d.args) {
      if (entry.started) {
        entry.chunks.push(d.args);
        out.push({ type: 'tool-call-delta', id: entry.id!, toolName: entry.toolName!, delta: d.args });
      } else {
        entry.pending.push(d.args);
      }
    }
  }

  /** Records a call that arrived complete (Ollama sends arguments as an object). */
  whole(key: string | number, call: { id?: string; toolName: string; args: unknown }, out: StreamPart[]): void {
    if (typeof call.args === 'string') {
      this.delta(key, { id: call.id, toolName: call.toolName, args: call.args }, out);
      return;
    }
    const args =
      call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args)
        ? (call.args as Record<string, unknown>)
        : {};
    const text = JSON.stringify(args);
    this.delta(key, { id: call.id, toolName: call.toolName }, out);
    const entry = this.entries.get(String(key))!;
    entry.whole = args;
    if (entry.started) {
      entry.chunks.push(text);
      out.push({ type: 'tool-call-delta', id: entry.id!, toolName: entry.toolName!, delta: text });
    }
  }

  /**
   * Finalises one call (`key`) or all open calls: emits `tool-call-end` and the parsed
   * `tool-call`. Calls are finalised in index order so parallel calls keep the model's order.
   *
   * `cutByLimit` says the stream stopped at the output-token limit. Only the call being written
   * at that moment (the one that received the last delta) can have lost its end; it is marked
   * `truncated` unless its arguments are already one complete JSON value, which proves the model
   * closed them. Calls the model had moved on from are finalised as usual.
   */
  flush(out: StreamPart[], key?: string | number, opts: { cutByLimit?: boolean } = {}): void {
    if (key !== undefined) {
      const entry = this.entries.get(String(key));
      if (entry) this.finalise(entry, out, false);
      return;
    }
    const open = [...this.entries.values()].filter((e) => !e.done);
    let last: Entry | undefined;
    if (opts.cutByLimit) for (const e of open) if (!last || e.touched > last.touched) last = e;
    open.sort(compareEntries);
    for (const entry of open) this.finalise(entry, out, entry === last);
  }

  /**
   * The stream failed: close calls that were started (so consumers can end their progress
   * display) without emitting `tool-call`, since half-received arguments must not run.
   */
  abandon(out: StreamPart[]): void {
    for (const entry of this.entries.values()) {
      if (entry.done) continue;
      entry.done = true;
      if (entry.started) out.push({ type: 'tool-call-end', id: entry.id!, toolName: entry.toolName! });
    }
  }

  private start(entry: Entry, out: StreamPart[]): void {
    entry.started = true;
    out.push({ type: 'tool-call-start', id: entry.id!, toolName: entry.toolName! });
    if (entry.pending.length) {
      const text = entry.pending.join('');
      entry.pending = [];
      entry.chunks.push(text);
      out.push({ type: 'tool-call-delta', id: entry.id!, toolName: entry.toolName!, delta: text });
    }
  }

  private finalise(entry: Entry, out: StreamPart[], cut = false): void {
    if (entry.done) return;
    entry.done = true;
    if (!entry.id) entry.id = this.newId(entry.order);
    const named = Boolean(entry.toolName);
    if (!entry.toolName) entry.toolName = '';
    if (!entry.started) this.start(entry, out);
    out.push({ type: 'tool-call-end', id: entry.id, toolName: entry.toolName });
    this.emittedCalls++;
    if (entry.whole) {
      out.push({ type: 'tool-call', id: entry.id, toolName: entry.toolName, args: entry.whole, ...(named ? {} : { invalid: true }) });
      return;
    }
    const raw = entry.chunks.join('');
    if (cut && !isCompleteJson(raw)) {
      // Cut off by the output limit: report what arrived, never as something to run.
      const parsed = parseToolArgs(raw);
      out.push({ type: 'tool-call', id: entry.id, toolName: entry.toolName, args: parsed.ok ? parsed.args : {}, truncated: true, rawArgs: raw });
      return;
    }
    const parsed = parseToolArgs(raw);
    if (parsed.ok && named) {
      const part: StreamPart = { type: 'tool-call', id: entry.id, toolName: entry.toolName, args: parsed.args };
      if (parsed.repaired) {
        part.repaired = true;
        part.rawArgs = raw;
      }
      out.push(part);
    } else {
      // A nameless call cannot be executed either; it is reported, not dropped, so the loop can
      // tell the model what went wrong.
      out.push({ type: 'tool-call', id: entry.id, toolName: entry.toolName, args: parsed.ok ? parsed.args : {}, invalid: true, rawArgs: raw });
    }
  }
}

/** True when `raw` is one whole JSON value as sent, i.e. the model wrote its closing bracket. */
export function isCompleteJson(raw: string): boolean {
  if (raw.trim() === '') return false;
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}

function compareEntries(a: Entry, b: Entry): number {
  const na = Number(a.key);
  const nb = Number(b.key);
  if (Number.isInteger(na) && Number.isInteger(nb) && na !== nb) return na - nb;
  return a.order - b.order;
}
