import type { AgentEvent, AgentRole } from '../agent/types';
import type { RealtimeEvent } from '../realtime/events';
import type { FileDiff } from '../tools/apply-code-changes';

/** Streamed text is sent in batches of at least this many characters (or at the end of a block). */
export const STREAM_BATCH_CHARS = 400;
/** A file larger than this (before + after) is sent as its changed region with context, not whole. */
export const RELAY_WHOLE_FILE_MAX_CHARS = 200_000;
/** Unchanged lines kept around the changed region of a large file. */
export const RELAY_CONTEXT_LINES = 20;

/** A tool result's text is sent up to this many characters: its start and, mostly, its end (where a failing command says why). */
export const RELAY_OUTPUT_MAX_CHARS = 8000;
const RELAY_OUTPUT_TAIL_SHARE = 0.6;

/** Keeps the beginning and the end of a long result, marking what was left out. */
export function relayOutput(output: string): string {
  if (output.length <= RELAY_OUTPUT_MAX_CHARS) return output;
  const tail = Math.floor(RELAY_OUTPUT_MAX_CHARS * RELAY_OUTPUT_TAIL_SHARE);
  const head = RELAY_OUTPUT_MAX_CHARS - tail;
  return `${output.slice(0, head)}\n… [${output.length - RELAY_OUTPUT_MAX_CHARS} characters not shown] …\n${output.slice(output.length - tail)}`;
}

/** A command's exit code from its result metadata (`run_command` sets `meta.exitCode`), when it exited on its own. */
function exitCodeOf(meta: unknown): number | undefined {
  const m = meta as { exitCode?: unknown; timedOut?: unknown } | null | undefined;
  return typeof m?.exitCode === 'number' && m.timedOut !== true ? m.exitCode : undefined;
}

/** The structured diffs an edit tool put in its result metadata (`meta.diffs`), if any. */
function diffsOf(meta: unknown): FileDiff[] {
  const diffs = (meta as { diffs?: unknown } | null | undefined)?.diffs;
  return Array.isArray(diffs) ? (diffs as FileDiff[]) : [];
}

/**
 * Before/after for the diff viewer: whole files, or — for a large file — the lines from the first
 * to the last changed line, with context, so one edit to a generated file does not ship megabytes.
 */
export function viewerDiff(d: FileDiff): { path: string; before: string; after: string } {
  const before = d.before ?? '';
  if (before.length + d.after.length <= RELAY_WHOLE_FILE_MAX_CHARS) return { path: d.path, before, after: d.after };
  const a = before.split('\n');
  const b = d.after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - RELAY_CONTEXT_LINES);
  const keepTail = Math.max(0, tail - RELAY_CONTEXT_LINES);
  return { path: d.path, before: a.slice(from, a.length - keepTail).join('\n'), after: b.slice(from, b.length - keepTail).join('\n') };
}

/**
 * Turns the harness's events into live events for the browser: text and reasoning deltas batched,
 * tool calls with their results (and edits as before/after diffs), nudges.
 */
export function createStreamRelay(ids: { runId: string; taskId: string }, send: (e: RealtimeEvent) => void) {
  const calls = new Map<string, { name: string; args: unknown }>();
  let buffer: { role: AgentRole; turn: number; kind: 'text' | 'reasoning'; text: string } = { role: 'developer', turn: 0, kind: 'text', text: '' };
  const flush = () => {
    if (buffer.text) send({ type: 'agent.stream', ...ids, role: buffer.role, turn: buffer.turn, kind: buffer.kind, text: buffer.text });
    buffer = { ...buffer, text: '' };
  };
  return {
    onAgentEvent(role: AgentRole, _cycle: number, e: AgentEvent) {
      switch (e.type) {
        case 'stream': {
          const p = e.part;
          if (p.type === 'text-delta' || p.type === 'reasoning-delta') {
            const kind = p.type === 'text-delta' ? 'text' : 'reasoning';
            if (buffer.role !== role || buffer.kind !== kind || buffer.turn !== e.turn) flush();
            buffer = { role, turn: e.turn, kind, text: buffer.text + p.delta };
            if (buffer.text.length >= STREAM_BATCH_CHARS) flush();
          } else if (p.type === 'text-end' || p.type === 'reasoning-end' || p.type === 'finish') flush();
          break;
        }
        case 'tool-call':
          flush();
          calls.set(e.call.id, { name: e.call.toolName, args: e.call.args });
          break;
        case 'tool-result': {
          const call = calls.get(e.callId);
          calls.delete(e.callId);
          const diffs = e.isError ? [] : diffsOf(e.meta).map(viewerDiff);
          const exitCode = exitCodeOf(e.meta);
          send({
            type: 'agent.tool',
            ...ids,
            role,
            turn: e.turn,
            callId: e.callId,
            toolName: e.toolName,
            args: call?.args ?? null,
            output: relayOutput(e.output),
            isError: e.isError,
            ...(exitCode !== undefined ? { exitCode } : {}),
            ...(diffs.length ? { diffs } : {}),
          });
          break;
        }
        case 'nudge':
          send({ type: 'agent.nudge', ...ids, role, turn: e.turn, detector: e.detector, message: e.message });
          break;
        case 'end':
          flush();
          break;
        default:
          break;
      }
    },
    flush,
  };
}
