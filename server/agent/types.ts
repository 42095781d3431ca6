import type { LanguageModel, StreamPart, ToolCallPart, UsageAccumulator } from '../llm';
import type { ToolDefinition } from '../tools/types';
import type { Sandbox } from '../../sandbox/types';
import type { Budgets } from './budgets';
import type { ContextCache } from './context-cache';
import type { CheckpointStore } from './checkpoint';
import type { WorkingState } from './working-state';

export const AGENT_ROLES = ['planner', 'architect', 'developer', 'qa', 'reviewer', 'explorer'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const PHASES = ['planning', 'implementing', 'verifying', 'recovering', 'done', 'failed'] as const;
export type Phase = (typeof PHASES)[number];

export const DETECTORS = ['monologue', 'doom-loop', 'malformed-tool-call', 'unknown-tool', 'empty-response', 'context-overflow', 'drift', 'truncated-tool-call'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export type RunStatus = 'done' | 'failed' | 'stopped';

/** What the `finish` tool carries back to the caller (the pipeline reads verdict/findings). */
export interface FinishPayload {
  summary: string;
  verdict?: 'pass' | 'fail' | 'approve' | 'request_changes';
  findings?: Array<{ title: string; detail?: string; files?: string[]; severity?: string }>;
  /** Role-specific fields a caller's own `finish` tool defines (the pipeline's contests, criteria, steelman). */
  [field: string]: unknown;
}

export interface AgentTool extends ToolDefinition<any> {
  /** Read-only tools may run in explorers and in parallel. */
  readOnly?: boolean;
}

/** Everything the live UI (and the CLI) can show while a run progresses. */
export type AgentEvent =
  | { type: 'turn-start'; turn: number; phase: Phase }
  | { type: 'stream'; turn: number; part: StreamPart }
  | { type: 'tool-call'; turn: number; call: ToolCallPart }
  /** `meta`: the tool's structured result for renderers (e.g. `apply_code_changes`' `diffs`), not shown to the model. */
  | { type: 'tool-result'; turn: number; callId: string; toolName: string; output: string; isError: boolean; ref?: string; meta?: unknown }
  | { type: 'nudge'; turn: number; detector: DetectorName; message: string }
  | { type: 'repair'; turn: number; callId: string; toolName: string; rawArgs?: string }
  | { type: 'phase'; turn: number; from: Phase; to: Phase }
  | { type: 'compaction'; turn: number; estimatedTokens: number; budget: number; droppedTurns: number }
  | { type: 'drift'; turn: number; score: number }
  | { type: 'checkpoint'; turn: number }
  | { type: 'injected'; turn: number; text: string }
  | { type: 'end'; result: AgentRunResult };

export interface RunAgentOptions {
  role: AgentRole;
  objective: string;
  acceptanceCriteria?: string[];
  model: LanguageModel;
  tools: AgentTool[];
  /** The worktree the tools act on. */
  workspace: string;
  sandbox?: Sandbox;
  cache: ContextCache;
  /** Key the cache and checkpoints are filed under (task id + role, typically). */
  taskKey?: string;
  checkpoint?: CheckpointStore;
  budgets?: Partial<Budgets>;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
  /** A fully built system prompt; by default one is composed from prompts/ for the role. */
  systemPrompt?: string;
  /** Template variables for the composed prompt (skills registry, stack, …). */
  promptVariables?: Record<string, string>;
  /** Files the task is scoped to (drift scoring); empty means any file. */
  scope?: string[];
  /** Values that must never reach a prompt (API keys, tokens); replaced by [redacted]. */
  secrets?: string[];
  /** Shared accounting (the parent's, for explorers). */
  usage?: UsageAccumulator;
  /** References from an earlier role's handoff, shown in the first prompt. */
  handoffRefs?: string[];
  /** Seed for the working state (from a handoff). */
  initialState?: Partial<WorkingState>;
  /** Model name as `provider:model` for pricing; defaults to the model's own. */
  modelName?: string;
  /** Repository prompt overrides and built-ins; defaults to <workspace>/system-prompts and prompts/. */
  promptDirs?: { builtIn?: string; overrides?: string };
}

export interface AgentRunResult {
  status: RunStatus;
  finish?: FinishPayload;
  turns: number;
  nudges: number;
  detectorCounts: Record<DetectorName, number>;
  repairedToolCalls: number;
  usage: { inputTokens: number; outputTokens: number; calls: number };
  costUsd: number;
  reason?: string;
  phase: Phase;
  drift: number[];
  prompts: Array<{ id: string; version: string }>;
  workingState: WorkingState;
}

export interface AgentRunHandle {
  result: Promise<AgentRunResult>;
  /** Mid-run steering: shown to the model at the start of its next turn. */
  injectMessage(text: string): void;
  abort(reason?: string): void;
}
