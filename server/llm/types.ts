/**
 * The one vocabulary every provider is normalised into. Adapters never throw while streaming:
 * failures travel as an `error` part, and every stream ends with exactly one `finish` part.
 */

/**
 * `length`: the output-token limit ended the turn (a call being written may be `truncated`);
 * `content-filter`: a provider filter removed content; `refusal`: the model or provider declined
 * (a `refusal` part says why); `tool-calls`: calls for the client to run follow.
 */
export const FINISH_REASONS = ['stop', 'length', 'tool-calls', 'content-filter', 'refusal', 'error'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export const PROVIDERS = ['anthropic', 'openai', 'ollama'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const DIALECTS = ['openai', 'anthropic', 'ollama'] as const;
export type Dialect = (typeof DIALECTS)[number];

/**
 * Token counts for one model call. `inputTokens` is the whole prompt, cached parts included, so
 * it measures context size; `cacheReadTokens` and `cacheWriteTokens` are subsets of it.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Hidden reasoning tokens, when the provider reports them (already counted in outputTokens). */
  reasoningTokens?: number;
}

/** Why a stream failed, so callers can tell an abort from a timeout from a provider fault. */
export type ErrorCode = 'aborted' | 'timeout' | 'http' | 'network' | 'provider' | 'protocol';

export type StreamPart =
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  /** `signature` is Anthropic's proof of the thinking block; it must be sent back verbatim. */
  | { type: 'reasoning-end'; id: string; signature?: string; redactedData?: string }
  | { type: 'tool-call-start'; id: string; toolName: string }
  | { type: 'tool-call-delta'; id: string; toolName: string; delta: string }
  | { type: 'tool-call-end'; id: string; toolName: string }
  | ToolCallPart
  /**
   * The model (OpenAI `delta.refusal`) or the provider (Anthropic `stop_reason: "refusal"`)
   * declined. `text` is what was said, possibly empty; the turn finishes with `refusal`.
   */
  | { type: 'refusal'; text: string; category?: string }
  /**
   * A tool the provider runs itself (Anthropic web search, web fetch, code execution, tool search,
   * MCP connector…). Reported, never for the client to execute.
   */
  | { type: 'server-tool-call'; id: string; toolName: string; args: unknown; blockType: string }
  /** The provider's result for a server-run tool; `content` is the block as sent. */
  | { type: 'server-tool-result'; toolCallId: string; blockType: string; content: unknown }
  /** A content block of a kind this layer does not interpret (compaction, fallback…), kept as sent. */
  | { type: 'provider-block'; blockType: string; block: unknown; deltas: unknown[] }
  | ({ type: 'usage' } & Usage)
  | { type: 'finish'; reason: FinishReason; rawReason?: string }
  | { type: 'error'; message: string; retryable?: boolean; code?: ErrorCode; status?: number };

/**
 * A complete tool call. `repaired` marks arguments that only parsed after `jsonrepair`; `invalid`
 * marks arguments that could not be repaired (then `args` is `{}` and `rawArgs` holds the text).
 * `truncated` marks a call whose arguments the output-token limit cut off (the turn finishes with
 * `length`): `args` is a best-effort reading of the prefix, `rawArgs` the text received, and the
 * call must never be executed.
 */
export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  toolName: string;
  args: Record<string, unknown>;
  repaired?: boolean;
  invalid?: boolean;
  truncated?: boolean;
  rawArgs?: string;
}

export type StreamPartType = StreamPart['type'];

// ---- Conversation messages ---------------------------------------------------------------

export interface TextContent {
  type: 'text';
  text: string;
}

export interface ReasoningContent {
  type: 'reasoning';
  text: string;
  /** Anthropic thinking signature; required to send thinking back in a tool loop. */
  signature?: string;
  /** Anthropic redacted thinking payload (opaque). */
  redactedData?: string;
}

export interface ToolCallContent {
  type: 'tool-call';
  id: string;
  toolName: string;
  args: Record<string, unknown>;
}

export interface ToolResultContent {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  /** What the model reads: tool output as text (JSON-encode structured results first). */
  result: string;
  isError?: boolean;
}

export type SystemMessage = { role: 'system'; content: string };
export type UserMessage = { role: 'user'; content: string | TextContent[] };
export type AssistantMessage = {
  role: 'assistant';
  content: string | Array<TextContent | ReasoningContent | ToolCallContent>;
};
export type ToolMessage = { role: 'tool'; content: ToolResultContent[] };
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ModelRequest {
  system?: string;
  messages: Message[];
  tools?: ToolDefinition[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Ask for visible reasoning where the provider supports it (Anthropic thinking, Ollama think). */
  reasoning?: { budgetTokens?: number };
  /** Mark the system prompt and latest message as cacheable (Anthropic prompt caching). */
  cache?: boolean;
}

export interface ModelCapabilities {
  /** Native tool calling; without it tools go through the text protocol. */
  nativeTools: boolean;
  /** The provider can stream visible reasoning. */
  reasoning: boolean;
  /** The provider supports explicit prompt-cache breakpoints. */
  promptCaching: boolean;
}

export interface LanguageModel {
  provider: ProviderName;
  modelId: string;
  capabilities: ModelCapabilities;
  stream(request: ModelRequest): AsyncIterable<StreamPart>;
}
