import type { RunStatus, TaskStatus } from '../db/schema';
import type { AgentRole, DetectorName, RunStatus as RunStatusOfRole } from '../agent/types';

/**
 * Every event that travels to browsers. One union, so emitters and the UI agree on shapes;
 * later capabilities add members here rather than emitting ad-hoc strings.
 */
export type RealtimeEvent =
  | { type: 'worker.heartbeat'; workerId: string; hostname: string; at: string }
  | { type: 'project.created'; projectId: string; name: string }
  | { type: 'run.status'; runId: string; status: RunStatus; reason?: string }
  | { type: 'task.status'; runId: string; taskId: string; status: TaskStatus; wave?: number; reason?: string }
  /** Streamed model output, batched: `kind` text or reasoning, `text` the new characters. */
  | { type: 'agent.stream'; runId: string; taskId: string; role: AgentRole; turn: number; kind: 'text' | 'reasoning'; text: string }
  | {
      type: 'agent.tool';
      runId: string;
      taskId: string;
      role: AgentRole;
      turn: number;
      callId: string;
      toolName: string;
      args: unknown;
      output: string;
      isError?: boolean;
      /** For commands: the exit code (absent when the command timed out or was killed). */
      exitCode?: number;
      /** For edits: the file before and after, for the diff viewer. */
      diffs?: Array<{ path: string; before: string; after: string }>;
    }
  | { type: 'agent.nudge'; runId: string; taskId: string; role: AgentRole; turn: number; detector: DetectorName; message: string }
  | { type: 'agent.role'; runId: string; taskId: string; role: AgentRole; cycle: number; state: 'started' | 'finished'; status?: RunStatusOfRole; summary?: string }
  | { type: 'run.chat'; runId: string; taskId?: string; author: string; text: string }
  | { type: 'spec.planned'; specId: string; runId?: string; error?: string }
  | { type: 'agent.verdict'; runId: string; taskId: string; role: AgentRole; verdict: string; summary: string }
  | { type: 'pull-request.opened'; runId: string; taskId: string; pullRequestId: string; title: string; url?: string };

export type RealtimeEventType = RealtimeEvent['type'];

/** What a client receives: the event, its organisation and run, and a gap-free sequence number. */
export type EventEnvelope = RealtimeEvent & { seq: string; orgId: string; at: string };

export const orgRoom = (orgId: string) => `org:${orgId}`;
export const runRoom = (runId: string) => `run:${runId}`;

export interface ServerToClientEvents {
  event: (e: EventEnvelope) => void;
  /**
   * The connection was re-authorised (a membership or role changed): the organisations it now
   * hears. Rooms of organisations no longer listed were left; their runs must be subscribed anew.
   */
  access: (a: { orgIds: string[]; roles: Record<string, string> }) => void;
}

export interface ClientToServerEvents {
  /** Join a run's room; the answer lists events after `afterSeq` so a reconnect misses nothing. */
  'run:subscribe': (
    req: { runId: string; afterSeq?: string },
    ack: (res: { ok: true; events: EventEnvelope[] } | { ok: false; error: string }) => void,
  ) => void;
  /** Leave a run's room (a connection holds a bounded number of them). */
  'run:unsubscribe': (req: { runId: string }, ack?: (res: { ok: true }) => void) => void;
}
