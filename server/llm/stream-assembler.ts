import { ThinkTagSplitter } from './think-tag-splitter';
import { ToolCallTracker, type ToolCallTrackerOptions } from './tool-call-tracker';
import type { ErrorCode, FinishReason, StreamPart, Usage } from './types';

export interface AssemblerOptions extends ToolCallTrackerOptions {
  /** Move a leading `<think>…</think>` block in the text to reasoning (local reasoning models). */
  splitThinkTags?: boolean;
}

/**
 * The state every dialect shares while turning provider events into stream parts: which text or
 * reasoning block is open, the tool-call tracker, usage so far, and the finish reason. Dialects
 * only translate their events into calls on this object, so ordering rules live in one place:
 * content parts, then tool calls, then one `usage`, then exactly one `finish`.
 */
export class StreamAssembler {
  readonly tools: ToolCallTracker;
  private textId: string | undefined;
  private reasoningId: string | undefined;
  private reasoningSignature: string | undefined;
  private blockCount = 0;
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private rawFinish: string | undefined;
  private finishReason: FinishReason | undefined;
  private refusalText: string | undefined;
  private refusalCategory: string | undefined;
  private failed = false;
  private closed = false;
  /** True once any text, reasoning or tool-call part went out: after that, never retry. */
  contentEmitted = false;

  private readonly think: ThinkTagSplitter | undefined;

  constructor(options: AssemblerOptions = {}) {
    this.tools = new ToolCallTracker(options);
    this.think = options.splitThinkTags ? new ThinkTagSplitter() : undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  get sawFinish(): boolean {
    return this.finishReason !== undefined;
  }

  text(delta: string, out: StreamPart[]): void {
    if (this.closed || delta === '') return;
    if (this.think) {
      for (const seg of this.think.push(delta)) {
        if (seg.kind === 'text') this.plainText(seg.value, out);
        else this.reasoning(seg.value, out);
      }
      return;
    }
    this.plainText(delta, out);
  }

  private plainText(delta: string, out: StreamPart[]): void {
    if (delta === '') return;
    if (this.reasoningId) this.endReasoning(out);
    if (!this.textId) {
      this.textId = `text-${this.blockCount++}`;
      out.push({ type: 'text-start', id: this.textId });
    }
    this.contentEmitted = true;
    out.push({ type: 'text-delta', id: this.textId, delta });
  }

  reasoning(delta: string, out: StreamPart[]): void {
    if (this.closed || delta === '') return;
    if (this.textId) this.endText(out);
    this.openReasoning(out);
    this.contentEmitted = true;
    out.push({ type: 'reasoning-delta', id: this.reasoningId!, delta });
  }

  /** Anthropic sends the signature after the thinking text, before the block stops. */
  reasoningSignatureDelta(signature: string): void {
    this.reasoningSignature = (this.reasoningSignature ?? '') + signature;
  }

  /** An opaque redacted-thinking block (Anthropic): start and end at once. */
  redactedReasoning(data: string, out: StreamPart[]): void {
    if (this.closed) return;
    if (this.textId) this.endText(out);
    if (this.reasoningId) this.endReasoning(out);
    this.openReasoning(out);
    this.contentEmitted = true;
    out.push({ type: 'reasoning-end', id: this.reasoningId!, redactedData: data });
    this.reasoningId = undefined;
  }

  /** Refusal text streamed by the model (OpenAI `delta.refusal`); reported once, at the end. */
  refusal(delta: string, category?: string): void {
    if (this.closed) return;
    this.refusalText = (this.refusalText ?? '') + delta;
    if (category) this.refusalCategory = category;
    this.contentEmitted = true;
  }

  /**
   * Output that is not text, reasoning or a client tool call — a tool the provider ran, its
   * result, or a block of an unknown kind. It goes out as is and closes any open text block.
   */
  other(part: Extract<StreamPart, { type: 'server-tool-call' | 'server-tool-result' | 'provider-block' }>, out: StreamPart[]): void {
    if (this.closed) return;
    this.endContentBlocks(out);
    this.contentEmitted = true;
    out.push(part);
  }

  endText(out: StreamPart[]): void {
    if (!this.textId) return;
    out.push({ type: 'text-end', id: this.textId });
    this.textId = undefined;
  }

  endReasoning(out: StreamPart[]): void {
    if (!this.reasoningId) return;
    const part: StreamPart = { type: 'reasoning-end', id: this.reasoningId };
    if (this.reasoningSignature) part.signature = this.reasoningSignature;
    out.push(part);
    this.reasoningId = undefined;
    this.reasoningSignature = undefined;
  }

  /** Closes open text/reasoning so a tool call starts a fresh block. */
  endContentBlocks(out: StreamPart[]): void {
    if (this.think) {
      for (const seg of this.think.end()) {
        if (seg.kind === 'text') this.plainText(seg.value, out);
        else this.reasoning(seg.value, out);
      }
    }
    this.endText(out);
    this.endReasoning(out);
  }

  toolDelta(key: string | number, d: { id?: string; toolName?: string; args?: string }, out: StreamPart[]): void {
    if (this.closed) return;
    this.endContentBlocks(out);
    this.contentEmitted = true;
    this.tools.delta(key, d, out);
  }

  toolWhole(key: string | number, call: { id?: string; toolName: string; args: unknown }, out: StreamPart[]): void {
    if (this.closed) return;
    this.endContentBlocks(out);
    this.contentEmitted = true;
    this.tools.whole(key, call, out);
  }

  toolEnd(key: string | number, out: StreamPart[]): void {
    if (this.closed) return;
    this.tools.flush(out, key);
  }

  /** Merges usage; later reports win per field because providers send running totals. */
  setUsage(u: Partial<Usage>): void {
    for (const [k, v] of Object.entries(u) as Array<[keyof Usage, number | undefined]>) {
      if (typeof v === 'number' && Number.isFinite(v)) this.usage[k] = v;
    }
  }

  setFinish(reason: FinishReason, raw?: string): void {
    this.finishReason = reason;
    this.rawFinish = raw;
  }

  /**
   * Ends the stream with an error. Partial text stays (its block is closed); unfinished tool
   * calls are not emitted as `tool-call`, because executing half-received arguments is unsafe.
   */
  fail(message: string, out: StreamPart[], opts: { retryable?: boolean; code?: ErrorCode; status?: number } = {}): void {
    if (this.closed) return;
    this.endContentBlocks(out);
    this.tools.abandon(out);
    const part: StreamPart = { type: 'error', message };
    if (opts.retryable !== undefined) part.retryable = opts.retryable;
    if (opts.code) part.code = opts.code;
    if (opts.status !== undefined) part.status = opts.status;
    out.push(part);
    this.failed = true;
    this.close(out);
  }

  /**
   * Normal end of stream: closes blocks, finalises tool calls, emits usage and finish. A turn
   * stopped by the output limit may have cut the call being written; the tracker marks it.
   */
  finish(out: StreamPart[]): void {
    if (this.closed) return;
    this.endContentBlocks(out);
    this.tools.flush(out, undefined, { cutByLimit: this.finishReason === 'length' });
    this.close(out);
  }

  private close(out: StreamPart[]): void {
    this.closed = true;
    if (this.finishReason === 'refusal' && this.refusalText === undefined) this.refusalText = '';
    if (this.refusalText !== undefined) {
      const part: StreamPart = { type: 'refusal', text: this.refusalText };
      if (this.refusalCategory) part.category = this.refusalCategory;
      out.push(part);
    }
    out.push({ type: 'usage', ...this.usage });
    const reason = finalReason(this.failed, this.finishReason, this.tools.callCount, this.refusalText !== undefined);
    const part: StreamPart = { type: 'finish', reason };
    if (this.rawFinish !== undefined) part.rawReason = this.rawFinish;
    out.push(part);
  }

  private openReasoning(out: StreamPart[]): void {
    if (this.reasoningId) return;
    this.reasoningId = `reasoning-${this.blockCount++}`;
    out.push({ type: 'reasoning-start', id: this.reasoningId });
  }
}

/**
 * The finish reason the loop acts on. Providers disagree on what to call a turn that ends in
 * tool calls (Ollama says "stop", some servers say "stop" after calls), so calls make it
 * `tool-calls` — unless the turn hit the output limit (`length` wins: a call may be cut and the
 * loop must know), was stopped by a filter, or was refused. A `tool-calls` reason without any
 * call (only server-run tools, say) is `stop`.
 */
export function finalReason(failed: boolean, provider: FinishReason | undefined, calls: number, refused = false): FinishReason {
  if (failed) return 'error';
  const reason = provider ?? 'stop';
  if (reason === 'length' || reason === 'content-filter') return reason;
  if (refused || reason === 'refusal') return 'refusal';
  if (calls > 0) return 'tool-calls';
  return reason === 'tool-calls' ? 'stop' : reason;
}
