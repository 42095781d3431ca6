import { createParser, type EventSourceParser } from 'eventsource-parser';
import { anthropicNormaliser } from './dialects/anthropic-stream';
import type { DialectNormaliser, NormaliserFactory } from './dialects/normaliser';
import { ollamaNormaliser } from './dialects/ollama-stream';
import { openAiNormaliser } from './dialects/openai-stream';
import type { Vendor } from './dialects/vendors';
import { StreamAssembler, type AssemblerOptions } from './stream-assembler';
import type { Dialect, ErrorCode, StreamPart } from './types';

const NORMALISERS: Record<Dialect, NormaliserFactory> = {
  openai: openAiNormaliser,
  anthropic: anthropicNormaliser,
  ollama: ollamaNormaliser,
};

export interface DecoderOptions extends AssemblerOptions {
  /** Who serves an OpenAI-compatible endpoint (decides usage rules the numbers leave open). */
  vendor?: Vendor;
}

/** A body larger than this in one unterminated SSE event or NDJSON line is treated as garbage. */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;

export interface StreamDecoder {
  /** Feeds the next piece of the response body (any split, even inside a UTF-8 character). */
  feed(chunk: Uint8Array | string): StreamPart[];
  /** The body ended. Always returns the closing parts (ending with `finish`) unless already closed. */
  end(): StreamPart[];
  /** The transport failed (abort, timeout, disconnect): close with an `error` part. */
  fail(message: string, opts?: { retryable?: boolean; code?: ErrorCode; status?: number }): StreamPart[];
  /** True once text, reasoning or tool parts were produced — the point after which retry is unsafe. */
  readonly contentEmitted: boolean;
  readonly closed: boolean;
}

/**
 * The normaliser: wire bytes of one dialect in, stream parts out. Synchronous and push-based so
 * that the HTTP adapters, the `llm-replay` CLI and the benchmark all run the same code.
 */
export function createStreamDecoder(dialect: Dialect, options: DecoderOptions = {}): StreamDecoder {
  const { vendor, ...assemblerOptions } = options;
  // Anthropic has real thinking blocks; elsewhere a leading <think> block is a model's habit.
  const assembler = new StreamAssembler({ splitThinkTags: dialect !== 'anthropic', ...assemblerOptions });
  const normaliser: DialectNormaliser = NORMALISERS[dialect](assembler, { vendor });
  const utf8 = new TextDecoder('utf-8');
  let out: StreamPart[] = [];
  let feedText: (text: string) => void;
  let flushFraming: () => void;

  if (normaliser.framing === 'sse') {
    const parser: EventSourceParser = createParser({
      onEvent: (ev) => normaliser.onEvent(ev, out),
      // keep-alive comments (": ping") and parse errors of single lines carry nothing to act on
      onComment: () => {},
      onError: () => {},
      maxBufferSize: MAX_EVENT_BYTES,
    });
    feedText = (text) => parser.feed(text);
    flushFraming = () => parser.reset({ consume: true });
  } else {
    let pending = '';
    const line = (raw: string) => {
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() !== '') normaliser.onEvent({ data: text }, out);
    };
    feedText = (text) => {
      let start = 0;
      let nl = text.indexOf('\n');
      if (nl === -1) {
        pending += text;
        if (pending.length > MAX_EVENT_BYTES) {
          pending = '';
          assembler.fail('a stream line exceeded the size limit', out, { code: 'protocol' });
        }
        return;
      }
      line(pending + text.slice(0, nl));
      pending = '';
      start = nl + 1;
      while ((nl = text.indexOf('\n', start)) !== -1) {
        line(text.slice(start, nl));
        start = nl + 1;
      }
      pending = text.slice(start);
    };
    flushFraming = () => {
      const rest = pending;
      pending = '';
      if (rest) line(rest);
    };
  }

  function take(): StreamPart[] {
    const parts = out;
    out = [];
    return parts;
  }

  return {
    feed(chunk) {
      if (assembler.isClosed) return [];
      const text = typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true });
      if (text) feedText(text);
      return take();
    },
    end() {
      if (assembler.isClosed) return take();
      const tail = utf8.decode();
      if (tail) feedText(tail);
      flushFraming();
      normaliser.onEnd(out);
      return take();
    },
    fail(message, opts = {}) {
      assembler.fail(message, out, opts);
      return take();
    },
    get contentEmitted() {
      return assembler.contentEmitted;
    },
    get closed() {
      return assembler.isClosed;
    },
  };
}

/** Decodes a whole body at once, split into `chunkBytes` pieces (for replay, tests and benchmarks). */
export function decodeBody(dialect: Dialect, body: Uint8Array | string, chunkBytes = 0, options: DecoderOptions = {}): StreamPart[] {
  const decoder = createStreamDecoder(dialect, options);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const parts: StreamPart[] = [];
  const step = chunkBytes > 0 ? chunkBytes : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) {
    for (const p of decoder.feed(bytes.subarray(i, i + step))) parts.push(p);
  }
  for (const p of decoder.end()) parts.push(p);
  return parts;
}
