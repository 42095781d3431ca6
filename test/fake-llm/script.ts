/** What the fake model does for one request. */
export interface ScriptedToolCall {
  /** Defaults to a stable id derived from the turn and position. */
  id?: string;
  name: string;
  /** An object is sent as JSON; a string is sent verbatim (for malformed-argument cases). */
  args: Record<string, unknown> | string;
}

export interface TurnUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export interface Faults {
  /** Answer with this HTTP status and a JSON error body instead of a stream (429, 500, 529…). */
  status?: number;
  /** Retry-After header in seconds (with `status`). */
  retryAfter?: number;
  /** retry-after-ms header (with `status`). */
  retryAfterMs?: number;
  /** Re-split the body into pieces of this many bytes, or random sizes (1–32, seeded). */
  splitBytes?: number | 'random';
  /** Seed for `splitBytes: 'random'`. */
  seed?: number;
  /** Corrupt tool-argument JSON (single quotes, a trailing comma, the closing brace missing). */
  malformedToolJson?: boolean;
  /** OpenAI only: interleave argument deltas of parallel calls and send higher indices first. */
  interleaveToolDeltas?: boolean;
  /** Cut the connection after this many wire chunks (events or lines). */
  disconnectAfterChunks?: number;
  /** Send this many wire chunks, then keep the connection open and silent (idle-timeout cases). */
  stallAfterChunks?: number;
  /** Wait this long before each wire chunk (slow tokens). */
  delayPerChunkMs?: number;
  /** Wait this long before sending response headers. */
  delayHeadersMs?: number;
  /** Override the response content type (a server that ignores `stream: true`). */
  contentType?: string;
  /** A 200 response with an empty body. */
  empty?: boolean;
  /** Send the provider's mid-stream error event after the content (before finishing). */
  errorEvent?: string;
}

export interface Turn {
  text?: string;
  /**
   * The model declines: OpenAI streams it as `delta.refusal` (finish `stop`), Anthropic as
   * `stop_reason: "refusal"` with this text as `stop_details.explanation`; Ollama has no refusal
   * field, so it becomes ordinary text there.
   */
  refusal?: string;
  reasoning?: string;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to tool calls → the provider's tool-call reason, otherwise stop. */
  finishReason?: 'stop' | 'length' | 'content-filter';
  usage?: TurnUsage;
  /** Send this exact body (a recorded fixture) instead of encoding the turn. */
  raw?: string;
  /**
   * How tool calls are sent: natively, or as text-protocol tags inside the text. `auto` (the
   * default) uses text when the request carried no tools, as a model without tool support would.
   */
  toolCallsAs?: 'auto' | 'native' | 'text';
  faults?: Faults;
}

export type Protocol = 'openai' | 'anthropic' | 'ollama';

export interface ReceivedRequest {
  protocol: Protocol;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  turnIndex: number;
}

/** A list of turns served in order, or a function that decides each turn from the request. */
export type Script = Turn[] | ((requestBody: any, turnIndex: number, request: ReceivedRequest) => Turn | Promise<Turn>);
