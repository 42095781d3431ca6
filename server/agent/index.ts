/** The agent harness: the loop, working state, compaction, detectors, cache and sub-agents. */
export * from './budgets';
export * from './types';
export { runAgent, startAgent, type AgentRunOptions } from './run-agent';
export { createExplorerSpawner, type ExplorerSpawnerOptions } from './explorers';
export { createMemoryContextCache, cacheRef, isCacheRef, CACHE_KINDS, type CacheItem, type CacheKind, type ContextCache } from './context-cache';
export { createMemoryCheckpointStore, type CheckpointStore } from './checkpoint';
export type { AgentCheckpoint, TurnRecord, ToolExchange } from './loop-state';
export { WorkingStateManager, emptyWorkingState, STATE_LIMITS, type WorkingState } from './working-state';
export { buildPrompt, naiveThreadTokens, summariseTurn } from './compaction';
export { estimateTokens, modelFamily, type ModelFamily } from './token-estimate';
export { createRedactor, secretValuesFromEnv } from './redact';
