'use client';
import { Fragment, useEffect, useState } from 'react';
import { formatElapsed, roleLabel, verdictLabel, verdictTone, type Stage, type Timeline } from './timeline';

/** The current time, ticking every second while `active` (elapsed clocks of running tasks). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

const STATE_STYLE: Record<Stage['state'], string> = {
  waiting: 'border-slate-200 bg-white text-slate-500',
  working: 'border-indigo-400 bg-indigo-50 text-indigo-900 ring-2 ring-indigo-200',
  done: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  failed: 'border-red-300 bg-red-50 text-red-900',
  skipped: 'border-dashed border-slate-200 bg-white text-slate-400',
};

const TONE_STYLE = { good: 'bg-emerald-100 text-emerald-900', bad: 'bg-red-100 text-red-900', neutral: 'bg-slate-100 text-slate-700' } as const;

/** A verdict as a chip coloured by what it means (QA "failed" is red, "passed" green). */
export function VerdictChip({ verdict }: { verdict: string }) {
  const tone = verdictTone(verdict);
  return (
    <span data-tone={tone} className={`rounded px-1.5 py-0.5 text-xs font-medium ${TONE_STYLE[tone]}`}>
      {verdictLabel(verdict)}
    </span>
  );
}

function stageText(s: Stage): string {
  switch (s.state) {
    case 'working':
      return 'working…';
    case 'done':
      return s.verdict ? '' : 'done';
    case 'failed':
      return 'did not finish';
    case 'skipped':
      return 'did not run';
    default:
      return 'waiting';
  }
}

/**
 * architect → developer ⇄ QA → reviewer for one task: each role's state and last verdict, the
 * developer ⇄ QA cycle, the task's elapsed time, and who is working now with a live indicator.
 */
export function RoleStepper({ taskKey, timeline, compact = false }: { taskKey: string; timeline: Timeline; compact?: boolean }) {
  const now = useNow(!timeline.ended && timeline.startedAt !== null);
  const elapsed = timeline.startedAt ? (timeline.ended && timeline.finishedAt ? Date.parse(timeline.finishedAt) : now) - Date.parse(timeline.startedAt) : null;
  const w = timeline.working;
  return (
    <div className="flex flex-col gap-2">
      <ol aria-label={compact ? `Progress of ${taskKey}` : `Roles of ${taskKey}`} className={`flex flex-wrap items-center ${compact ? 'gap-1' : 'gap-2'}`}>
        {timeline.stages.map((s, i) => (
          <Fragment key={s.role}>
            {i > 0 && (
              <li aria-hidden="true" className="text-slate-400">
                {s.role === 'qa' ? '⇄' : '→'}
              </li>
            )}
            <li
              aria-current={s.state === 'working' ? 'step' : undefined}
              data-role={s.role}
              data-state={s.state}
              className={`flex items-center gap-1.5 rounded-md border ${compact ? 'px-1.5 py-0.5 text-xs' : 'px-2.5 py-1 text-sm'} ${STATE_STYLE[s.state]}`}
            >
              {s.state === 'working' && (
                <span aria-hidden="true" className="relative flex h-2 w-2">
                  <span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-indigo-400 opacity-75" />
                  <span className="relative inline-flex h-2 w-2 rounded-full bg-indigo-600" />
                </span>
              )}
              <span className="font-medium">{roleLabel(s.role)}</span>
              {s.runs > 1 && <span className="text-xs opacity-75">×{s.runs}</span>}
              {!compact && stageText(s) && <span className="text-xs opacity-80">{stageText(s)}</span>}
              {s.verdict && <VerdictChip verdict={s.verdict} />}
            </li>
          </Fragment>
        ))}
      </ol>
      {!compact && (
        <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
          {timeline.cycle > 0 && <span>Cycle {timeline.cycle}</span>}
          {elapsed !== null && <span aria-label="Elapsed time">{formatElapsed(elapsed)} elapsed</span>}
          {w && <span className="font-medium text-indigo-800">Now: {roleLabel(w.role)}</span>}
          {timeline.ended && <span>Finished</span>}
        </p>
      )}
    </div>
  );
}
