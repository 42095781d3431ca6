'use client';
import Link from 'next/link';
import { Empty, Loading } from '../ui/form';
import { TaskStatusBadge } from './status-badge';
import { formatElapsed } from './timeline';

export type RunRow = {
  id: string;
  status: string;
  specTitle: string | null;
  projectId: string;
  projectName: string | null;
  createdAt: string | Date;
  startedAt: string | Date | null;
  finishedAt: string | Date | null;
  tasks: number;
  tasksSucceeded: number;
  costUsd: number;
};

/** "12 Mar, 14:05" — dates in lists, in the reader's time zone. */
export function shortDate(d: string | Date): string {
  return new Date(d).toLocaleString('en', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** Runs by what they build (spec title), with project, status, progress, when and how long. */
export function RunsList({ orgSlug, runs, loading, showProject = true, label = 'Runs', emptyText = 'No runs yet.' }: { orgSlug: string; runs: RunRow[] | undefined; loading?: boolean; showProject?: boolean; label?: string; emptyText?: string }) {
  return (
    <>
      {loading && <Loading />}
      {runs?.length === 0 && <Empty>{emptyText}</Empty>}
      {!!runs?.length && (
        <ul aria-label={label} className="divide-y">
          {runs.map((r) => {
            const started = r.startedAt ? new Date(r.startedAt).getTime() : null;
            const took = started && r.finishedAt ? formatElapsed(new Date(r.finishedAt).getTime() - started) : null;
            return (
              <li key={r.id} className="flex flex-col gap-1 py-2.5 sm:flex-row sm:items-center sm:justify-between sm:gap-4">
                <div className="flex min-w-0 flex-col">
                  <Link className="break-words font-medium text-indigo-700 underline" href={`/o/${orgSlug}/runs/${r.id}`}>
                    {r.specTitle ?? `Run ${r.id.slice(0, 8)}`}
                  </Link>
                  <span className="text-xs text-slate-500">
                    {showProject && r.projectName && <>{r.projectName} · </>}
                    {shortDate(r.createdAt)}
                    {took && <> · took {took}</>}
                  </span>
                </div>
                <div className="flex shrink-0 items-center gap-3 text-xs text-slate-600">
                  <span>
                    {r.tasksSucceeded}/{r.tasks} {r.tasks === 1 ? 'task' : 'tasks'}
                  </span>
                  {r.costUsd > 0 && <span>${r.costUsd.toFixed(2)}</span>}
                  <TaskStatusBadge status={r.status} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
