import type { AgentEvent, AgentRole } from '../agent/types';
import type { RealtimeEvent } from '../realtime/events';
import { parseUnifiedDiff } from '../repos/unified-diff';

/** Streamed text is sent in batches of at least this many characters (or at the end of a block). */
export const STREAM_BATCH_CHARS = 400;

/**
 * Turns the harness's events into live events for the browser: text and reasoning deltas batched,
 * tool calls with their results (and edits as before/after diffs), nudges.
 */
export function createStreamRelay(ids: { runId: string; taskId: string }, send: (e: RealtimeEvent) => void) {
  const calls = new Map<string, { name: string; args: unknown }>();
  let buffer = { role: '', turn: 0, kind: 'text' as 'text' | 'reasoning', text: '' };
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
          const diffs =
            e.toolName === 'apply_code_changes' && !e.isError
              ? parseUnifiedDiff(e.output).map((d) => ({ path: d.path, before: d.original, after: d.modified }))
              : undefined;
          send({
            type: 'agent.tool',
            ...ids,
            role,
            turn: e.turn,
            callId: e.callId,
            toolName: e.toolName,
            args: call?.args ?? null,
            output: e.output.length > 8000 ? `${e.output.slice(0, 8000)}…` : e.output,
            isError: e.isError,
            ...(diffs?.length ? { diffs } : {}),
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
