import type { AgentEvent } from '../agent/types';
import type { RealtimeEvent } from '../realtime/events';
import { createStreamRelay } from './stream-relay';
import type { SessionEvent } from './task-session';

/**
 * A session's events as the browser's live events: roles starting and finishing, verdicts, and
 * the agents' streamed text, tool calls and nudges (batched by the stream relay).
 */
export function realtimeSessionPublisher(ids: { runId: string; taskId: string }, send: (e: RealtimeEvent) => void): (e: SessionEvent) => void {
  const relay = createStreamRelay(ids, send);
  return (e) => {
    switch (e.type) {
      case 'agent':
        relay.onAgentEvent(e.role, e.cycle, e.event);
        break;
      case 'role.start':
        send({ type: 'agent.role', ...ids, role: e.role, cycle: e.cycle, state: 'started' });
        break;
      case 'role.end': {
        relay.flush();
        send({ type: 'agent.role', ...ids, role: e.role, cycle: e.cycle, state: 'finished', status: e.outcome.status, summary: e.outcome.finish?.summary });
        const verdict = e.outcome.finish?.verdict;
        if (verdict) send({ type: 'agent.verdict', ...ids, role: e.role, verdict, summary: e.outcome.finish?.summary ?? '' });
        break;
      }
    }
  };
}

/** One progress line for an agent event, or undefined for events not worth a line. */
export function describeAgentEvent(e: AgentEvent): string | undefined {
  switch (e.type) {
    case 'tool-call':
      return `→ ${e.call.toolName} ${JSON.stringify(e.call.args).slice(0, 140)}${e.call.invalid ? ' [invalid JSON]' : ''}`;
    case 'tool-result':
      return `← ${e.toolName}: ${e.isError ? 'error: ' : ''}${e.output.split('\n')[0].slice(0, 140)}`;
    case 'nudge':
      return `! nudge [${e.detector}]: ${e.message.split('\n')[0].slice(0, 160)}`;
    case 'repair':
      return `~ repaired tool call ${e.toolName} (${e.callId}): malformed JSON arguments fixed`;
    default:
      return undefined;
  }
}

/**
 * A session's events as progress lines for the CLI (stderr): roles and their outcomes, tool calls,
 * nudges and repairs. `turns` adds a line per turn, phase change and compaction (`nightshift agent`).
 */
export function sessionLogLines(log: (line: string) => void, opts: { turns?: boolean } = {}): (e: SessionEvent) => void {
  return (e) => {
    if (e.type === 'role.start') {
      if (!opts.turns) log(`  ${e.role}${e.cycle ? ` (cycle ${e.cycle})` : ''} starts`);
      return;
    }
    if (e.type === 'role.end') {
      if (!opts.turns) {
        const o = e.outcome;
        log(`  ${e.role}${e.cycle ? ` (cycle ${e.cycle})` : ''}: ${o.status}${o.finish?.verdict ? ` — ${o.finish.verdict}` : ''}: ${(o.finish?.summary ?? o.reason ?? '').split('\n')[0].slice(0, 160)}`);
      }
      return;
    }
    const ev = e.event;
    if (opts.turns) {
      if (ev.type === 'turn-start') return log(`turn ${ev.turn} (${ev.phase})`);
      if (ev.type === 'phase') return log(`  phase ${ev.from} → ${ev.to}`);
      if (ev.type === 'compaction') return log(`  compacted prompt to ~${ev.estimatedTokens} tokens (budget ${ev.budget})`);
      const line = describeAgentEvent(ev);
      if (line) log(`  ${line}`);
      return;
    }
    const line = describeAgentEvent(ev);
    if (line) log(`    [${e.role}${e.cycle ? ` c${e.cycle}` : ''}] ${line}`);
  };
}
