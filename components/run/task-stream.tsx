'use client';
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { EventEnvelope } from '../../server/realtime/events';
import { languageOf } from '../../server/repos/unified-diff';
import { DiffViewer } from '../monaco';
import { VerdictChip, useNow } from './role-stepper';
import { describeStep } from './steps';
import { formatElapsed, roleLabel, verdictLabel, verdictTone } from './timeline';

type ToolEvent = Extract<EventEnvelope, { type: 'agent.tool' }>;

type Block =
  | { kind: 'role'; key: string; role: string; cycle: number; state: string; status?: string; summary?: string; at: string }
  | { kind: 'text'; key: string; role: string; text: string }
  | { kind: 'reasoning'; key: string; role: string; text: string }
  | { kind: 'tool'; key: string; role: string; e: ToolEvent }
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
        blocks.push({ kind: 'role', key: e.seq, role: e.role, cycle: e.cycle, state: e.state, status: e.status, summary: e.summary, at: e.at });
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

/** Text with `backtick` spans rendered as code. */
export function CodeText({ text }: { text: string }) {
  const parts = text.split(/(`[^`]*`)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('`') && p.endsWith('`') && p.length >= 2 ? (
          <code key={i} className="rounded bg-slate-100 px-1 py-px font-mono text-[0.85em] text-slate-900">
            {p.slice(1, -1)}
          </code>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}

/** One click away: the event as it travelled, for whoever needs the exact arguments. */
function RawJson({ value }: { value: unknown }) {
  return (
    <details className="text-xs">
      <summary className="cursor-pointer text-slate-500 hover:text-slate-800">Raw JSON</summary>
      <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-900 p-2 text-slate-100">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

const TONE_BORDER = { ok: 'border-l-emerald-500', error: 'border-l-red-500', neutral: 'border-l-slate-300' } as const;
const TONE_ICON = { ok: '✓', error: '✗', neutral: '•' } as const;

function ToolStep({ b }: { b: Extract<Block, { kind: 'tool' }> }) {
  const step = describeStep(b.e);
  const cmd = step.command;
  return (
    <li aria-label={`Tool call ${b.e.toolName}`} data-tone={step.tone} className={`rounded-md border border-l-4 border-slate-200 bg-white p-2.5 text-sm ${TONE_BORDER[step.tone]}`}>
      <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
        <span aria-hidden="true" className={step.tone === 'error' ? 'text-red-600' : step.tone === 'ok' ? 'text-emerald-600' : 'text-slate-400'}>
          {TONE_ICON[step.tone]}
        </span>
        <span className="text-xs text-slate-500">{roleLabel(b.role)}</span>
        <span className="min-w-0 break-words">
          <CodeText text={step.title} />
        </span>
        {cmd && cmd.exitCode !== null && (
          <span aria-label="Exit code" data-exit-code={cmd.exitCode} className={`rounded px-1.5 py-0.5 font-mono text-xs ${cmd.exitCode === 0 ? 'bg-emerald-100 text-emerald-900' : 'bg-red-100 text-red-900'}`}>
            exit {cmd.exitCode}
          </span>
        )}
      </div>
      {step.detail.length > 0 && (
        <pre aria-label={cmd ? 'Failing lines' : 'Error'} className="mt-2 overflow-x-auto whitespace-pre-wrap break-words rounded bg-red-50 px-2 py-1.5 font-mono text-xs text-red-900">
          {step.detail.join('\n')}
        </pre>
      )}
      {b.e.diffs?.map((d) => (
        <div key={d.path} className="mt-2">
          <p className="font-mono text-xs text-slate-600">{d.path}</p>
          <div className="h-64 border">
            <DiffViewer original={d.before} modified={d.after} language={languageOf(d.path)} height="16rem" />
          </div>
        </div>
      ))}
      <div className="mt-1.5 flex flex-wrap gap-4">
        <details className="text-xs">
          <summary className="cursor-pointer text-slate-500 hover:text-slate-800">{cmd ? 'Output' : 'Result'}</summary>
          <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2">{cmd ? cmd.body || '(no output)' : b.e.output}</pre>
        </details>
        <RawJson value={b.e} />
      </div>
    </li>
  );
}

function RoleLine({ b }: { b: Extract<Block, { kind: 'role' }> }) {
  const who = `${roleLabel(b.role)}${b.cycle ? ` · cycle ${b.cycle}` : ''}`;
  if (b.state !== 'finished') {
    return (
      <li className="mt-3 flex items-center gap-2 text-sm font-semibold text-slate-700">
        <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
        <span>{who} started</span>
        <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
      </li>
    );
  }
  const ok = b.status === 'done';
  return (
    <li className={`rounded-md px-2.5 py-1.5 text-sm ${ok ? 'bg-slate-100 text-slate-800' : 'bg-red-50 text-red-900'}`}>
      <span className="font-medium">
        {who} {ok ? 'finished' : b.status === 'stopped' ? 'was stopped' : 'did not finish'}
      </span>
      {b.summary && <span className="text-slate-700">: {b.summary}</span>}
    </li>
  );
}

/** The live indicator at the end of the stream: who is working now and for how long. */
function WorkingLine({ working }: { working: { role: string; since: string } }) {
  const now = useNow(true);
  return (
    <p role="status" aria-live="polite" className="flex items-center gap-2 px-1 py-2 text-sm text-indigo-800">
      <span aria-hidden="true" className="relative flex h-2.5 w-2.5">
        <span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-indigo-400 opacity-75" />
        <span className="relative inline-flex h-2.5 w-2.5 rounded-full bg-indigo-600" />
      </span>
      <span className="font-medium">{roleLabel(working.role)} is working…</span>
      <span className="text-xs text-indigo-600">{formatElapsed(now - Date.parse(working.since))}</span>
    </p>
  );
}

/** How close to the bottom counts as "at the latest" (a line's height, give or take). */
const FOLLOW_SLACK_PX = 48;

/**
 * A task's agent stream in plain language, following the latest event by default: scrolling up
 * pauses following and offers "Jump to latest"; the toggle turns following on and off.
 */
export function TaskStream({ events, working, footer }: { events: EventEnvelope[]; working?: { role: string; since: string } | null; footer?: ReactNode }) {
  const blocks = toBlocks(events);
  const box = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  followRef.current = follow;
  const programmatic = useRef(false);

  const toBottom = useCallback(() => {
    const el = box.current;
    if (!el) return;
    programmatic.current = true;
    el.scrollTop = el.scrollHeight;
    requestAnimationFrame(() => {
      programmatic.current = false;
    });
  }, []);

  // New blocks, and blocks that grow (streamed text, a diff viewer loading), keep the latest in view.
  useLayoutEffect(() => {
    if (followRef.current) toBottom();
  }, [blocks.length, working?.role, toBottom]);
  useEffect(() => {
    const el = list.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (followRef.current) toBottom();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [toBottom]);

  function onScroll() {
    const el = box.current;
    if (!el || programmatic.current) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX;
    if (atBottom !== followRef.current) setFollow(atBottom);
  }

  function jump() {
    setFollow(true);
    followRef.current = true;
    toBottom();
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-end gap-2 text-xs">
        <button
          type="button"
          aria-pressed={follow}
          onClick={() => (follow ? setFollow(false) : jump())}
          className={`rounded-full border px-2.5 py-1 ${follow ? 'border-indigo-300 bg-indigo-50 text-indigo-800' : 'border-slate-300 bg-white text-slate-700'}`}
        >
          {follow ? 'Following latest' : 'Follow latest'}
        </button>
      </div>
      <div className="relative">
        <div ref={box} onScroll={onScroll} data-testid="agent-stream-scroll" className="max-h-[65vh] min-h-[8rem] overflow-y-auto overscroll-contain rounded-md border border-slate-200 bg-slate-50 p-2">
          {!blocks.length && !working && <p className="p-2 text-sm text-slate-500">No agent activity yet.</p>}
          <ol ref={list} className="flex flex-col gap-2" aria-label="Agent stream">
            {blocks.map((b) => {
              switch (b.kind) {
                case 'role':
                  return <RoleLine key={b.key} b={b} />;
                case 'text':
                  return (
                    <li key={b.key} className="whitespace-pre-wrap break-words rounded-md bg-white p-2.5 text-sm">
                      <span className="mr-2 text-xs text-slate-500">{roleLabel(b.role)}</span>
                      {b.text}
                    </li>
                  );
                case 'reasoning':
                  return (
                    <li key={b.key}>
                      <details className="rounded-md bg-slate-100 p-2 text-sm text-slate-700">
                        <summary className="cursor-pointer text-xs">{roleLabel(b.role)}&apos;s reasoning</summary>
                        <p className="mt-1 whitespace-pre-wrap break-words">{b.text}</p>
                      </details>
                    </li>
                  );
                case 'tool':
                  // A role's accepted finish is said by its verdict and its "finished" line.
                  if (b.e.toolName === 'finish' && !b.e.isError) return null;
                  return <ToolStep key={b.key} b={b} />;
                case 'nudge':
                  return (
                    <li key={b.key} className="rounded-md border border-amber-300 bg-amber-50 p-2.5 text-sm text-amber-950">
                      <span className="font-medium">Nudged {roleLabel(b.role)}</span> ({b.detector.replace(/-/g, ' ')}): {b.message}
                    </li>
                  );
                case 'verdict': {
                  const tone = verdictTone(b.verdict);
                  return (
                    <li
                      key={b.key}
                      aria-label={`${roleLabel(b.role)} verdict: ${verdictLabel(b.verdict)}`}
                      data-tone={tone}
                      className={`rounded-md border p-2.5 text-sm ${tone === 'good' ? 'border-emerald-300 bg-emerald-50 text-emerald-950' : tone === 'bad' ? 'border-red-300 bg-red-50 text-red-950' : 'border-slate-200 bg-white'}`}
                    >
                      <strong>{roleLabel(b.role)} verdict:</strong> <VerdictChip verdict={b.verdict} /> {b.summary && <span>— {b.summary}</span>}
                    </li>
                  );
                }
                case 'chat':
                  return (
                    <li key={b.key} className="rounded-md bg-emerald-50 p-2.5 text-sm">
                      <span className="font-medium">{b.author}</span>: {b.text}
                    </li>
                  );
              }
            })}
          </ol>
          {working && <WorkingLine working={working} />}
          {footer}
        </div>
        {!follow && (
          <button
            type="button"
            onClick={jump}
            className="absolute bottom-3 right-4 rounded-full bg-indigo-600 px-3 py-1.5 text-xs font-medium text-white shadow-lg hover:bg-indigo-700"
          >
            Jump to latest ↓
          </button>
        )}
      </div>
    </div>
  );
}
