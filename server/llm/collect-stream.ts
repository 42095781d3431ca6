import type { FinishReason, StreamPart, ToolCallPart, Usage } from './types';

/** The whole of one model response, assembled from its stream parts. */
export interface CollectedResponse {
  text: string;
  reasoning: string;
  toolCalls: ToolCallPart[];
  finishReason: FinishReason;
  usage: Usage;
  error?: string;
  /** Reasoning blocks with their signatures, to send back to Anthropic in a tool loop. */
  reasoningBlocks: Array<{ text: string; signature?: string; redactedData?: string }>;
  /** Set when the model or provider refused (the text may be empty). */
  refusal?: string;
  /** Tools the provider ran itself, and their results (never client calls). */
  serverToolCalls: Array<Extract<StreamPart, { type: 'server-tool-call' }>>;
  serverToolResults: Array<Extract<StreamPart, { type: 'server-tool-result' }>>;
  /** Content blocks of kinds this layer does not interpret. */
  providerBlocks: Array<Extract<StreamPart, { type: 'provider-block' }>>;
}

/** Folds stream parts into one response, part by part. */
export function createCollector(): { add(part: StreamPart): void; result(): CollectedResponse } {
  const acc: CollectedResponse = {
    text: '',
    reasoning: '',
    toolCalls: [],
    // a stream that never finished is an error until its finish part says otherwise
    finishReason: 'error',
    usage: { inputTokens: 0, outputTokens: 0 },
    reasoningBlocks: [],
    serverToolCalls: [],
    serverToolResults: [],
    providerBlocks: [],
  };
  const reasoningById = new Map<string, string[]>();
  return {
    add(p) {
      switch (p.type) {
        case 'text-delta':
          acc.text += p.delta;
          break;
        case 'reasoning-start':
          reasoningById.set(p.id, []);
          break;
        case 'reasoning-delta':
          acc.reasoning += p.delta;
          reasoningById.get(p.id)?.push(p.delta);
          break;
        case 'reasoning-end': {
          const block: CollectedResponse['reasoningBlocks'][number] = { text: (reasoningById.get(p.id) ?? []).join('') };
          if (p.signature) block.signature = p.signature;
          if (p.redactedData !== undefined) block.redactedData = p.redactedData;
          acc.reasoningBlocks.push(block);
          break;
        }
        case 'tool-call':
          acc.toolCalls.push(p);
          break;
        case 'usage': {
          const { type: _type, ...usage } = p;
          acc.usage = usage;
          break;
        }
        case 'finish':
          acc.finishReason = p.reason;
          break;
        case 'error':
          acc.error = p.message;
          break;
        case 'refusal':
          acc.refusal = (acc.refusal ?? '') + p.text;
          break;
        case 'server-tool-call':
          acc.serverToolCalls.push(p);
          break;
        case 'server-tool-result':
          acc.serverToolResults.push(p);
          break;
        case 'provider-block':
          acc.providerBlocks.push(p);
          break;
        case 'text-start':
        case 'text-end':
        case 'tool-call-start':
        case 'tool-call-delta':
        case 'tool-call-end':
          break;
        default: {
          const unhandled: never = p;
          void unhandled;
        }
      }
    },
    result: () => acc,
  };
}

/** Collects a finished list of parts (the CLI, tests). */
export function collectParts(parts: Iterable<StreamPart>): CollectedResponse {
  const c = createCollector();
  for (const p of parts) c.add(p);
  return c.result();
}

/** Collects a live stream, for callers that want the whole response at once. */
export async function collectStream(parts: AsyncIterable<StreamPart>): Promise<CollectedResponse> {
  const c = createCollector();
  for await (const p of parts) c.add(p);
  return c.result();
}
