'use client';
import type { ScoreJson } from '../../server/specs/score-json';

const MARK: Record<string, { icon: string; className: string; word: string }> = {
  met: { icon: '✓', className: 'text-emerald-700', word: 'met' },
  partial: { icon: '◐', className: 'text-amber-700', word: 'partly met' },
  missing: { icon: '✗', className: 'text-red-700', word: 'missing' },
  'n/a': { icon: '–', className: 'text-slate-500', word: 'not applicable' },
};

/**
 * The score as a checklist: one line per concern with its points, and the deductions. Every point
 * of the score is on it. Choosing a line shows that concern's findings only.
 */
export function ScoreChecklist(props: { result: ScoreJson; selected: string | null; onSelect(concern: string | null): void; grounding?: string | null }) {
  const { result } = props;
  return (
    <section aria-label="Completeness checklist" className="flex flex-col gap-2">
      <h2 className="text-sm font-semibold">Checklist</h2>
      <ul className="flex flex-col gap-1">
        {result.breakdown.map((b) => {
          const mark = MARK[b.status] ?? MARK.partial;
          const selected = props.selected === b.concern;
          return (
            <li key={b.concern}>
              <button
                type="button"
                aria-pressed={selected}
                aria-label={`${b.label}: ${b.points} of ${b.max}, ${mark.word}`}
                onClick={() => props.onSelect(selected ? null : b.concern)}
                className={`flex w-full items-start gap-2 rounded-md border px-2 py-1 text-left text-sm ${selected ? 'border-indigo-400 bg-indigo-50' : 'border-slate-200 hover:bg-slate-50'}`}
              >
                <span aria-hidden className={`font-bold ${mark.className}`}>
                  {mark.icon}
                </span>
                <span className="flex-1">
                  <span className="block">{b.label}</span>
                  <span className="block text-xs text-slate-500">{b.detail}</span>
                </span>
                <span className="font-mono text-xs text-slate-700" data-testid={`points-${b.concern}`}>
                  {b.points}/{b.max}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {result.deductions.length > 0 && (
        <ul aria-label="Deductions" className="flex flex-col gap-1 text-sm">
          {result.deductions.map((d) => (
            <li key={d.kind} className="flex justify-between rounded-md border border-red-100 bg-red-50 px-2 py-1">
              <span>
                {d.label} ({d.count})
              </span>
              <span className="font-mono text-xs">−{d.points}</span>
            </li>
          ))}
        </ul>
      )}
      {props.grounding === 'checked' && <p className="text-xs text-slate-500">Files, identifiers and npm scripts it names were checked against the project&apos;s repository.</p>}
      {props.grounding === 'no-checkout' && (
        <p className="text-xs text-slate-500">Names are checked against the repository once Nightshift has a copy of it (after the first plan, run or question).</p>
      )}
    </section>
  );
}
