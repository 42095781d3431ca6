'use client';
import type { EventEnvelope } from '../../server/realtime/events';
import { DiffViewer } from '../monaco';

type Block =
  | { kind: 'role'; key: string; role: string; cycle: number; state: string; status?: string; summary?: string }
  | { kind: 'text'; key: string; role: string; text: string }
  | { kind: 'reasoning'; key: string; role: string; text: string }
  | { kind: 'tool'; key: string; role: string; e: Extract<EventEnvelope, { type: 'agent.tool' }> }
  | { kind: 'nudge'; key: string; role: string; detector: string; message: string }
  | { kind: 'verdict'; key: string; role: string; verdict: string; summary: string }
  | { kind: 'chat'; key: string; author: string; text: string };

/** Folds a task's events into display blocks: consecutive stream deltas join into one block. */
export function toBlocks(events: EventEnvelope[]): Block[] {
  const blocks: Block[] = [];
  for (const e of events) {
    const lastBlock = blocks.at(-1);
    switch (e.type) {
      case 'agent.stream':
        if (lastBlock && lastBlock.kind === e.kind && lastBlock.role === e.role) lastBlock.text += e.text;
        else blocks.push({ kind: e.kind, key: e.seq, role: e.role, text: e.text });
        break;
      case 'agent.tool':
        blocks.push({ kind: 'tool', key: e.seq, role: e.role, e });
        break;
      case 'agent.nudge':
        blocks.push({ kind: 'nudge', key: e.seq, role: e.role, detector: e.detector, message: e.message });
        break;
      case 'agent.verdict':
        blocks.push({ kind: 'verdict', key: e.seq, role: e.role, verdict: e.verdict, summary: e.summary });
        break;
      case 'agent.role':
        blocks.push({ kind: 'role', key: e.seq, role: e.role, cycle: e.cycle, state: e.state, status: e.status, summary: e.summary });
        break;
      case 'run.chat':
        blocks.push({ kind: 'chat', key: e.seq, author: e.author, text: e.text });
        break;
      default:
        break;
    }
  }
  return blocks;
}

function short(value: unknown, max = 600): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function TaskStream({ events }: { events: EventEnvelope[] }) {
  const blocks = toBlocks(events);
  if (!blocks.length) return <p className="text-sm text-slate-500">No agent activity yet.</p>;
  return (
    <ol className="flex flex-col gap-2" aria-label="Agent stream">
      {blocks.map((b) => {
        switch (b.kind) {
          case 'role':
            return (
              <li key={b.key} className="mt-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
                {b.role} {b.cycle ? `· cycle ${b.cycle}` : ''} {b.state === 'finished' ? `— ${b.status}${b.summary ? `: ${b.summary}` : ''}` : 'started'}
              </li>
            );
          case 'text':
            return (
              <li key={b.key} className="whitespace-pre-wrap rounded bg-white p-2 text-sm">
                <span className="mr-2 text-xs text-slate-500">{b.role}</span>
                {b.text}
              </li>
            );
          case 'reasoning':
            return (
              <li key={b.key}>
                <details className="rounded bg-slate-100 p-2 text-sm text-slate-700">
                  <summary className="cursor-pointer text-xs">{b.role} reasoning</summary>
                  <p className="whitespace-pre-wrap">{b.text}</p>
                </details>
              </li>
            );
          case 'tool':
            return (
              <li key={b.key} aria-label={`Tool call ${b.e.toolName}`} className={`rounded border p-2 text-sm ${b.e.isError ? 'border-red-300 bg-red-50' : 'border-slate-200 bg-white'}`}>
                <p className="font-mono text-xs">
                  <span className="text-slate-500">{b.role} →</span> <strong>{b.e.toolName}</strong> {short(b.e.args, 200)}
                </p>
                <details>
                  <summary className="cursor-pointer text-xs text-slate-500">result{b.e.isError ? ' (error)' : ''}</summary>
                  <pre className="max-h-64 overflow-auto whitespace-pre-wrap text-xs">{short(b.e.output, 4000)}</pre>
                </details>
                {b.e.diffs?.map((d) => (
                  <div key={d.path} className="mt-2">
                    <p className="font-mono text-xs">{d.path}</p>
                    <div className="h-64 border">
                      <DiffViewer original={d.before} modified={d.after} language="typescript" height="16rem" />
                    </div>
                  </div>
                ))}
              </li>
            );
          case 'nudge':
            return (
              <li key={b.key} className="rounded border border-amber-300 bg-amber-50 p-2 text-sm">
                Nudge ({b.detector}): {b.message}
              </li>
            );
          case 'verdict':
            return (
              <li key={b.key} className="rounded border border-indigo-200 bg-indigo-50 p-2 text-sm">
                <strong>
                  {b.role} verdict: {b.verdict}
                </strong>{' '}
                — {b.summary}
              </li>
            );
          case 'chat':
            return (
              <li key={b.key} className="rounded bg-emerald-50 p-2 text-sm">
                💬 {b.author}: {b.text}
              </li>
            );
        }
      })}
    </ol>
  );
}
