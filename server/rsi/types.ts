import type { RsiExample } from '../db/schema';

/**
 * What the reporter mines: plain facts read from an organisation's recent runs (runs, tasks,
 * stored live events, QA/reviewer findings, eval results). `server/services/rsi-mining.ts` reads
 * them; `mine.ts` clusters them into observations without touching the database.
 */

export type RunFact = {
  runId: string;
  projectId: string;
  status: string;
  error: string | null;
  costUsd: number;
  createdAt: Date;
  /** The spec's title: names the run in examples. */
  title: string;
};

export type TaskFact = {
  taskId: string;
  runId: string;
  key: string;
  title: string;
  status: string;
  error: string | null;
  /** Key of the task this remediation task was split off. */
  remediationOf: string | null;
};

/** A detector fired (an `agent.nudge` event). */
export type NudgeFact = { runId: string; taskId: string; role: string; detector: string; message: string };

/** A tool call that came back as an error (an `agent.tool` event with `isError`). */
export type ToolErrorFact = { runId: string; taskId: string; role: string; toolName: string; output: string; /** The call's arguments, as JSON, clipped. */ args?: string };

/** A QA/reviewer (or diff guard) finding, as viability stored it. */
export type FindingFact = { runId: string; taskId: string | null; role: string; rule: string | null; cluster: string; message: string; file: string | null; line: number | null };

/** A failed or errored attempt of an eval task (the attempt's run). */
export type EvalFailureFact = { runId: string; suite: string; task: string; status: 'failed' | 'error'; reason: string | null };

/** A failed sandbox command or model exchange from a run's recording (issue 15), when recorded. */
export type RecordedFailureFact = { runId: string; taskId: string; role: string | null; kind: 'command' | 'model'; subject: string; text: string };

export type MiningFacts = {
  runs: RunFact[];
  tasks: TaskFact[];
  nudges: NudgeFact[];
  toolErrors: ToolErrorFact[];
  findings: FindingFact[];
  evalFailures: EvalFailureFact[];
  recorded: RecordedFailureFact[];
};

export const OBSERVATION_KINDS = ['detector', 'drift', 'task-error', 'tool-error', 'qa-finding', 'cost-outlier', 'remediation', 'eval-failure', 'command-failure', 'model-error'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/** One recurring failure cause: how many runs showed it, which, and an example. */
export type Observation = {
  /** Stable for the same cause across reports: kind, subject and message signature. */
  key: string;
  kind: ObservationKind;
  /** A sentence saying what recurs. */
  pattern: string;
  /** Distinct runs that showed it. */
  count: number;
  runs: string[];
  /** How many of those runs failed (a detector may fire in a run that recovers). */
  failedRuns: number;
  example: RsiExample;
  details: Record<string, unknown>;
};
