import { collectParts, type CollectedResponse } from './collect-stream';
import { decodeBody } from './stream-decoder';
import type { Dialect, FinishReason } from './types';

/** The one-line summary `nightshift llm-replay` prints. */
export interface ReplaySummary {
  text: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; args: Record<string, unknown>; repaired: boolean; invalid?: true; truncated?: true; rawArgs?: string }>;
  finishReason: FinishReason;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number };
  error?: string;
}

/** Replays a recorded response body through the real decoder in `chunkBytes` pieces. */
export function replayBody(dialect: Dialect, body: Uint8Array | string, chunkBytes: number): ReplaySummary {
  return summarizeResponse(collectParts(decodeBody(dialect, body, chunkBytes)));
}

/** The llm-replay JSON shape of a collected response (also what the fixture tests compare). */
export function summarizeResponse(r: CollectedResponse): ReplaySummary {
  const usage: ReplaySummary['usage'] = { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens };
  if (r.usage.cacheReadTokens) usage.cacheReadTokens = r.usage.cacheReadTokens;
  if (r.usage.cacheWriteTokens) usage.cacheWriteTokens = r.usage.cacheWriteTokens;
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
  return summary;
}
