/** The LLM layer: providers over raw HTTP, one stream-part union, tool dialects, accounting. */
export * from './types';
export { createModel, parseModelName, ModelNameError, type CreateModelOptions } from './create-model';
export { defaultCapabilities } from './capabilities';
export { collectParts, collectStream, createCollector, type CollectedResponse } from './collect-stream';
export { createStreamDecoder, decodeBody, type StreamDecoder } from './stream-decoder';
export { ToolCallTracker } from './tool-call-tracker';
export { parseToolArgs } from './parse-tool-args';
export { DEFAULT_PRICES, costOf, findPrice, type ModelPrice, type PriceTable } from './pricing';
export { createUsageAccumulator, type UsageAccumulator, type UsageTotals } from './usage-accumulator';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy';
export { formatToolCallText, describeToolsForPrompt, toTextProtocolRequest, TOOL_CALL_OPEN, TOOL_CALL_CLOSE } from './text-protocol';
export { replayBody, type ReplaySummary } from './replay';
export { endpointUrl } from './provider-config';
export { VENDORS, detectVendor, openAiUsage, type Vendor } from './dialects/vendors';
export { observeModelCalls, type ModelCallInfo, type ModelCallObserver, type ModelCallWatch } from './observe';
