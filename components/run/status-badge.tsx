'use client';

/** Run and task statuses coloured by what they mean, in words a person uses. */
const STYLE: Record<string, string> = {
  succeeded: 'bg-emerald-100 text-emerald-900',
  running: 'bg-indigo-100 text-indigo-900',
  planning: 'bg-indigo-50 text-indigo-800',
  queued: 'bg-slate-100 text-slate-700',
  pending: 'bg-slate-100 text-slate-700',
  blocked: 'bg-amber-100 text-amber-900',
  failed: 'bg-red-100 text-red-900',
  dead: 'bg-red-100 text-red-900',
  cancelled: 'bg-slate-200 text-slate-700',
  open: 'bg-emerald-100 text-emerald-900',
  merged: 'bg-violet-100 text-violet-900',
  closed: 'bg-slate-200 text-slate-700',
};

export function statusStyle(status: string): string {
  return STYLE[status] ?? 'bg-slate-100 text-slate-700';
}

/** The run's status; `label` names it for assistive technology (and tests): "Run status". */
export function RunStatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span role={label ? 'status' : undefined} aria-label={label} className={`inline-block rounded px-2 py-0.5 text-sm font-medium ${statusStyle(status)}`}>
      {status}
    </span>
  );
}

export function TaskStatusBadge({ status }: { status: string }) {
  return <span className={`shrink-0 rounded px-1.5 py-0.5 text-xs font-medium ${statusStyle(status)}`}>{status}</span>;
}
