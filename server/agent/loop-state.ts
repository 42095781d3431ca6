import type { DetectorName, Phase } from './types';
import type { WorkingState } from './working-state';

/** One tool call of a turn and what came back. `ref` points at the full output in the cache. */
export interface ToolExchange {
  callId: string;
  toolName: string;
  args: Record<string, unknown>;
  output: string;
  isError: boolean;
  ref?: string;
}

/** One model turn as the compactor sees it. Reasoning is not kept here: it lives in the cache. */
export interface TurnRecord {
  turn: number;
  text: string;
  exchanges: ToolExchange[];
  /** Messages the harness added after this turn (nudges, injected chat messages). */
  notes: string[];
}

/** Everything needed to resume a run after a restart: plain JSON. */
export interface AgentCheckpoint {
  version: 1;
  turn: number;
  phase: Phase;
  transcript: TurnRecord[];
  summary: string[];
  workingState: WorkingState;
  detectorCounts: Record<DetectorName, number>;
  nudges: number;
  repairedToolCalls: number;
  usage: { inputTokens: number; outputTokens: number; calls: number; costUsd: number };
  drift: number[];
  callSignatures: string[];
  doomLevel: number;
  flaggedSignatures: string[];
  pendingNotes: string[];
  startedAt: number;
}
