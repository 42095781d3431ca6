import type { StreamAssembler } from '../stream-assembler';
import type { StreamPart } from '../types';
import type { Vendor } from './vendors';

/** One framed event off the wire: an SSE message or one NDJSON line. */
export interface WireEvent {
  event?: string;
  data: string;
}

/**
 * Translates one dialect's events into calls on a StreamAssembler. Implementations keep no
 * other output state, never throw, and report broken input through `assembler.fail`.
 */
export interface DialectNormaliser {
  readonly framing: 'sse' | 'ndjson';
  onEvent(event: WireEvent, out: StreamPart[]): void;
  /** The body ended (EOF). Decide whether that was a clean end or a truncation. */
  onEnd(out: StreamPart[]): void;
}

/** What a normaliser may know about the other end before reading it. */
export interface NormaliserContext {
  /** Who serves an OpenAI-compatible endpoint, when the base URL or model id says so. */
  vendor?: Vendor;
}

export type NormaliserFactory = (assembler: StreamAssembler, context?: NormaliserContext) => DialectNormaliser;

/** JSON.parse that reports failure as undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Shortens provider payloads quoted in error messages. */
export function excerpt(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export const TRUNCATED_MESSAGE = 'the response ended before the model finished (connection cut or truncated body)';
