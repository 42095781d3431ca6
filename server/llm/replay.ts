import { collectParts, type CollectedResponse } from './collect-stream';
import type { Vendor } from './dialects/vendors';
import { decodeBody } from './stream-decoder';
import type { Dialect, FinishReason } from './types';

/** The one-line summary `nightshift llm-replay` prints. */
export interface ReplaySummary {
  text: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; args: Record<string, unknown>; repaired: boolean; invalid?: true; truncated?: true; rawArgs?: string }>;
  finishReason: FinishReason;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number; reasoningTokens?: number };
  error?: string;
  /** Present when the model or provider refused (possibly empty text). */
  refusal?: string;
  /** Tools the provider ran itself: reported, never executed by Nightshift. */
  serverToolCalls?: Array<{ id: string; name: string; args: unknown; blockType: string }>;
  serverToolResults?: Array<{ toolCallId: string; blockType: string }>;
  /** Kinds of content blocks kept without interpretation. */
  providerBlocks?: string[];
}

/**
 * Replays a recorded response body through the real decoder in `chunkBytes` pieces. `vendor`
 * says who served an OpenAI-compatible body, as the base URL would; without it the stream's own
 * model names and numbers decide.
 */
export function replayBody(dialect: Dialect, body: Uint8Array | string, chunkBytes: number, options: { vendor?: Vendor } = {}): ReplaySummary {
  return summarizeResponse(collectParts(decodeBody(dialect, body, chunkBytes, options)));
}

/** The llm-replay JSON shape of a collected response (also what the fixture tests compare). */
export function summarizeResponse(r: CollectedResponse): ReplaySummary {
  const usage: ReplaySummary['usage'] = { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens };
  if (r.usage.cacheReadTokens) usage.cacheReadTokens = r.usage.cacheReadTokens;
  if (r.usage.cacheWriteTokens) usage.cacheWriteTokens = r.usage.cacheWriteTokens;
  if (r.usage.reasoningTokens) usage.reasoningTokens = r.usage.reasoningTokens;
  const summary: ReplaySummary = {
    text: r.text,
    reasoning: r.reasoning,
    toolCalls: r.toolCalls.map((c) => ({
      id: c.id,
      name: c.toolName,
      args: c.args,
      repaired: c.repaired === true,
      ...(c.invalid ? { invalid: true as const, rawArgs: c.rawArgs } : {}),
      ...(c.truncated ? { truncated: true as const, rawArgs: c.rawArgs } : {}),
    })),
    finishReason: r.finishReason,
    usage,
  };
  if (r.error !== undefined) summary.error = r.error;
  if (r.refusal !== undefined) summary.refusal = r.refusal;
  if (r.serverToolCalls.length) summary.serverToolCalls = r.serverToolCalls.map((c) => ({ id: c.id, name: c.toolName, args: c.args, blockType: c.blockType }));
  if (r.serverToolResults.length) summary.serverToolResults = r.serverToolResults.map((c) => ({ toolCallId: c.toolCallId, blockType: c.blockType }));
  if (r.providerBlocks.length) summary.providerBlocks = r.providerBlocks.map((b) => b.blockType);
  return summary;
}
