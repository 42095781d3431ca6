'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RecordEntry } from '../../server/recording/types';
import { trpc } from '../trpc';
import { Button, ErrorMessage, Loading } from '../ui/form';
import { frameOfRecord, framesOf, streamedSoFar } from './replay-frames';

const SPEEDS = [0.25, 1, 4, 16, 64] as const;
const PAGE = 500;
/** A recording longer than this many records is shown from its start (the rest is not loaded). */
const MAX_RECORDS = 20_000;

function clip(value: unknown, max: number): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

/** Every record of a task's recording, loaded page by page. */
function useRecording(orgId: string, runId: string, taskId: string) {
  const utils = trpc.useUtils();
  const [state, setState] = useState<{ entries: RecordEntry[]; done: boolean; error: string | null; status: string | null }>({ entries: [], done: false, error: null, status: null });
  useEffect(() => {
    let stop = false;
    setState({ entries: [], done: false, error: null, status: null });
    (async () => {
      const all: RecordEntry[] = [];
      let after = 0;
      for (;;) {
        const page = await utils.recording.entries.fetch({ orgId, runId, taskId, afterSeq: after, limit: PAGE });
        if (stop) return;
        all.push(...(page.entries as RecordEntry[]));
        after = all.at(-1)?.seq ?? after;
        setState({ entries: [...all], done: !page.more || all.length >= MAX_RECORDS, error: null, status: page.ending?.status ?? null });
        if (!page.more || all.length >= MAX_RECORDS) return;
      }
    })().catch((err: Error) => !stop && setState((s) => ({ ...s, done: true, error: err.message })));
    return () => {
      stop = true;
    };
  }, [utils, orgId, runId, taskId]);
  return state;
}

/**
 * The run page's Replay: steps through a task's recording — the model's stream as it arrived
 * (text, reasoning, tool calls), each tool call, sandbox command (exit code, output) and
 * checkpoint — at any speed, or one step at a time. `record` opens the player at that record (a
 * verification report's evidence link).
 */
export function ReplayPlayer({ orgId, runId, taskId, record }: { orgId: string; runId: string; taskId: string; record?: number }) {
  const rec = useRecording(orgId, runId, taskId);
  const frames = useMemo(() => framesOf(rec.entries), [rec.entries]);
  const [at, setAt] = useState(-1);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(4);
  const opened = useRef<number | undefined>(undefined);
  const list = useRef<HTMLOListElement>(null);

  // A link to a record opens the player there, once its record has loaded.
  useEffect(() => {
    if (record === undefined || opened.current === record) return;
    const f = frameOfRecord(rec.entries, frames, record);
    if (f >= 0) {
      opened.current = record;
      setAt(f);
      requestAnimationFrame(() => document.getElementById(`record-${record}`)?.scrollIntoView({ block: 'center' }));
    }
  }, [record, rec.entries, frames]);

  useEffect(() => {
    if (!playing) return;
    if (at >= frames.length - 1) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => setAt((a) => Math.min(a + 1, frames.length - 1)), frames[at + 1].delayMs / speed);
    return () => clearTimeout(timer);
  }, [playing, at, frames, speed]);

  useEffect(() => {
    if (playing) list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [playing, at]);

  if (rec.error) return <ErrorMessage>{rec.error}</ErrorMessage>;
  if (!rec.entries.length) return rec.done ? <p className="text-sm text-slate-500">This task's recording holds no records.</p> : <Loading />;

  const frame = at >= 0 ? frames[at] : undefined;
  const shown = frame ? rec.entries.slice(0, frame.entry + 1) : [];
  const models = rec.entries.filter((e) => e.kind === 'model').length;

  return (
    <div className="flex flex-col gap-3" aria-label="Replay player">
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" aria-label="Back to the start" onClick={() => (setPlaying(false), setAt(-1))}>
          Start
        </Button>
        <Button variant="secondary" aria-label="Step back" disabled={at < 0} onClick={() => (setPlaying(false), setAt((a) => Math.max(-1, a - 1)))}>
          ◀
        </Button>
        <Button aria-label={playing ? 'Pause' : 'Play'} onClick={() => (at >= frames.length - 1 && !playing ? (setAt(-1), setPlaying(true)) : setPlaying((p) => !p))}>
          {playing ? 'Pause' : '▶ Play'}
        </Button>
        <Button variant="secondary" aria-label="Step forward" disabled={at >= frames.length - 1} onClick={() => (setPlaying(false), setAt((a) => Math.min(frames.length - 1, a + 1)))}>
          ▶
        </Button>
        <Button variant="secondary" aria-label="To the end" onClick={() => (setPlaying(false), setAt(frames.length - 1))}>
          End
        </Button>
        <label className="text-sm text-slate-600">
          Speed{' '}
          <select aria-label="Speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))} className="rounded border border-slate-300 px-1 py-0.5">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <input aria-label="Position" type="range" min={-1} max={frames.length - 1} value={at} onChange={(e) => (setPlaying(false), setAt(Number(e.target.value)))} className="min-w-48 flex-1" />
        <span className="text-xs text-slate-500" aria-label="Replay position">
          step {at + 1} of {frames.length} · {rec.entries.length} records · {models} model calls{rec.status ? ` · ended ${rec.status}` : ''}
          {rec.done ? '' : ' · loading…'}
        </span>
      </div>
      <ol ref={list} className="flex max-h-[36rem] flex-col gap-2 overflow-auto" aria-label="Recorded steps">
        {shown.map((e, i) => (
          <RecordView key={e.seq} entry={e} upTo={i === shown.length - 1 ? frame?.part : undefined} highlighted={e.seq === record} />
        ))}
      </ol>
    </div>
  );
}

function RecordView({ entry: e, upTo, highlighted }: { entry: RecordEntry; upTo?: number; highlighted: boolean }) {
  const ring = highlighted ? 'ring-2 ring-indigo-400' : '';
  const where = 'role' in e ? `${e.role}${e.cycle ? ` · cycle ${e.cycle}` : ''}${e.turn ? ` · turn ${e.turn}` : ''}` : '';
  switch (e.kind) {
    case 'model': {
      const s = streamedSoFar(e, upTo);
      return (
        <li id={`record-${e.seq}`} aria-label={`Model call ${e.call}`} className={`rounded border border-slate-200 bg-white p-2 text-sm ${ring}`}>
          <p className="text-xs text-slate-500">
            model call {e.call} · {where} · {e.digest.model} · {e.durationMs} ms{e.usage ? ` · ${e.usage.inputTokens} in / ${e.usage.outputTokens} out tokens` : ''}
          </p>
          {s.reasoning && <p className="whitespace-pre-wrap text-xs italic text-slate-600">{s.reasoning}</p>}
          {s.text && <p className="whitespace-pre-wrap">{s.text}</p>}
          {s.calls.map((c, i) => (
            <p key={i} className="font-mono text-xs">
              → <strong>{c.name}</strong> {clip(c.args, 300)}
            </p>
          ))}
          {s.error && <p className="text-xs text-red-700">error: {s.error}</p>}
          {s.finish && <p className="text-xs text-slate-400">finish: {s.finish}</p>}
        </li>
      );
    }
    case 'tool':
      return (
        <li id={`record-${e.seq}`} aria-label={`Tool call ${e.toolName}`} className={`rounded border p-2 text-sm ${e.isError ? 'border-red-300 bg-red-50' : 'border-slate-200 bg-slate-50'} ${ring}`}>
          <p className="font-mono text-xs">
            <span className="text-slate-500">{where} ·</span> <strong>{e.toolName}</strong> {clip(e.args, 200)} <span className="text-slate-500">({e.durationMs} ms)</span>
          </p>
          <details>
            <summary className="cursor-pointer text-xs text-slate-500">output{e.isError ? ' (error)' : ''}</summary>
            <pre className="max-h-64 overflow-auto whitespace-pre-wrap text-xs">{clip(e.output, 8000)}</pre>
          </details>
        </li>
      );
    case 'command':
      return (
        <li id={`record-${e.seq}`} aria-label={`Command ${e.command}`} className={`rounded border p-2 text-sm ${e.exitCode === 0 ? 'border-emerald-200 bg-emerald-50' : 'border-red-300 bg-red-50'} ${ring}`}>
          <p className="font-mono text-xs">
            <span className="text-slate-500">{where} · sandbox ·</span> $ {e.command} → <strong>exit {e.exitCode}</strong>
            {e.timedOut ? ' (timed out)' : e.oom ? ' (out of memory)' : ''} <span className="text-slate-500">({e.durationMs} ms)</span>
          </p>
          <details open={highlighted}>
            <summary className="cursor-pointer text-xs text-slate-500">output</summary>
            <pre aria-label="Command output" className="max-h-80 overflow-auto whitespace-pre-wrap text-xs">
              {e.stdout}
              {e.stderr ? `\n[stderr]\n${e.stderr}` : ''}
              {e.truncated ? '\n(output cut when recorded)' : ''}
            </pre>
          </details>
        </li>
      );
    case 'checkpoint':
      return (
        <li id={`record-${e.seq}`} className={`text-xs text-slate-500 ${ring}`}>
          checkpoint {e.checkpoint} · {e.label} · commit <span className="font-mono">{e.commit.slice(0, 12)}</span>
        </li>
      );
  }
}
