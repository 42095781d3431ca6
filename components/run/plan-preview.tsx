'use client';
import { useMemo } from 'react';
import { PlanGraph, type PlanGraphInput } from '../plan-graph';

type TaskRow = { key: string; title: string; description?: string; files: unknown; status?: string };
type TaskForecast = { id: string; wave: number; files?: number; inputTokens: number; outputTokens: number; costUsd: number | null; basis?: 'history' | 'default' };
type Forecast = { tasks?: TaskForecast[]; totals?: { inputTokens: number; outputTokens: number; costUsd: number | null }; warnings?: string[] };

/** The forecast's note that a model has no known price (worded by server/planner/forecast.ts). */
const PRICE_WARNING = /^(?:no price for model|cost not estimated)/i;

/** 92_345 → "~92k", 850 → "~850". */
function approxTokens(n: number): string {
  return n >= 1000 ? `~${Math.round(n / 1000).toLocaleString('en')}k` : `~${Math.round(n)}`;
}

function usd(n: number): string {
  return n < 0.01 && n > 0 ? '<$0.01' : `$${n.toFixed(2)}`;
}

function filesOf(t: TaskRow): string[] {
  return Array.isArray(t.files) ? (t.files as unknown[]).filter((f): f is string => typeof f === 'string') : [];
}

/**
 * The plan: the waves as a graph, each task with what it is to do and the files it touches, the
 * predicted conflicts, and the forecast of tokens and cost — before the run (to decide) and during
 * and after it (with what was spent so far).
 */
export function PlanPreview({
  plan,
  forecast,
  tasks,
  model,
  actual,
}: {
  plan: Record<string, unknown>;
  forecast: Forecast | null;
  tasks: TaskRow[];
  model?: string;
  actual?: { tokens: number; costUsd: number; finished: boolean };
}) {
  // The graph keeps its identity while what it shows is the same (live events re-render the page often).
  const statusKey = actual ? tasks.map((t) => `${t.key}:${t.status ?? ''}`).join('|') : '';
  const graph: PlanGraphInput = useMemo(
    () => ({
      waves: (plan.waves as string[][]) ?? [],
      edges: (plan.edges as PlanGraphInput['edges']) ?? [],
      conflicts: (plan.conflicts as PlanGraphInput['conflicts']) ?? [],
      titles: Object.fromEntries(tasks.map((t) => [t.key, t.title])),
      forecast: Object.fromEntries((forecast?.tasks ?? []).map((t) => [t.id, t])),
      ...(actual ? { statuses: Object.fromEntries(tasks.filter((t) => t.status).map((t) => [t.key, t.status!])) } : {}),
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [plan, forecast, statusKey, tasks.length],
  );
  const totals = forecast?.totals;
  const priceUnknown = totals ? totals.costUsd === null : false;
  const notes = (forecast?.warnings ?? []).filter((w) => !PRICE_WARNING.test(w));
  const basis = forecast?.tasks?.[0]?.basis;
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const ordered = graph.waves.flatMap((w, i) => w.map((k) => ({ wave: i, task: byKey.get(k), key: k })));
  const depsOf = (key: string) => graph.edges.filter((e) => e.task === key);

  return (
    <div className="flex min-w-0 flex-col gap-5">
      <PlanGraph plan={graph} />

      <section aria-label="Tasks of the plan" className="min-w-0">
        <h3 className="mb-2 text-sm font-semibold">Tasks</h3>
        <ol className="flex flex-col gap-3">
          {ordered.map(({ wave, task, key }) => {
            const files = task ? filesOf(task) : [];
            const deps = depsOf(key);
            return (
              <li key={key} aria-label={`Task ${key}`} className="rounded-md border border-slate-200 bg-white p-3 text-sm">
                <div className="flex flex-wrap items-baseline gap-x-2">
                  <strong>{key}</strong>
                  <span className="min-w-0 break-words font-medium">{task?.title}</span>
                  <span className="text-xs text-slate-500">wave {wave + 1}</span>
                  {task?.status && <span className="text-xs text-slate-500">· {task.status}</span>}
                </div>
                {task?.description && <p className="mt-1 whitespace-pre-wrap break-words text-slate-700">{task.description}</p>}
                {files.length > 0 && (
                  <p className="mt-2 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
                    <span>Files:</span>
                    {files.map((f) => (
                      <code key={f} className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-800">
                        {f}
                      </code>
                    ))}
                  </p>
                )}
                {deps.length > 0 && (
                  <p className="mt-1 text-xs text-slate-600">
                    After {deps.map((d) => `${d.dependsOn} (${d.reason || d.kind})`).join(', ')}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      </section>

      <div className="grid min-w-0 gap-5 md:grid-cols-2">
        <section aria-label="Forecast" className="min-w-0">
          <h3 className="mb-1 text-sm font-semibold">Forecast</h3>
          {totals && (
            <p className="mb-2 text-sm">
              About <strong>{approxTokens(totals.inputTokens + totals.outputTokens)} tokens</strong> ({approxTokens(totals.inputTokens)} in, {approxTokens(totals.outputTokens)} out)
              {totals.costUsd !== null && (
                <>
                  , about <strong>{usd(totals.costUsd)}</strong>
                </>
              )}
              .
            </p>
          )}
          {priceUnknown && (
            <p className="mb-2 rounded-md bg-amber-50 px-2 py-1.5 text-sm text-amber-900">
              Cost unknown: Nightshift has no price for {model ? <code className="font-mono">{model}</code> : 'this model'}, so only tokens are forecast.
            </p>
          )}
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead>
                <tr className="text-slate-500">
                  <th className="py-1 pr-2 font-medium">Task</th>
                  <th className="py-1 pr-2 font-medium">Wave</th>
                  <th className="py-1 pr-2 text-right font-medium">Tokens</th>
                  <th className="py-1 text-right font-medium">Cost</th>
                </tr>
              </thead>
              <tbody>
                {(forecast?.tasks ?? []).map((t) => (
                  <tr key={t.id} className="border-t">
                    <td className="py-1 pr-2">{t.id}</td>
                    <td className="py-1 pr-2">{t.wave + 1}</td>
                    <td className="py-1 pr-2 text-right">{approxTokens(t.inputTokens + t.outputTokens)}</td>
                    <td className="py-1 text-right">{t.costUsd === null ? 'price unknown' : usd(t.costUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="mt-2 text-xs text-slate-500">
            {basis === 'history'
              ? "Estimated from this organization's finished tasks (tokens against files touched)."
              : "A first estimate: about 11 model requests of ~5k tokens each (instructions, tools, conversation) per task, plus its files as read from the repository. After a few finished tasks it learns from this organization's own."}
          </p>
          {actual && (actual.tokens > 0 || actual.finished) && (
            <p className="mt-2 text-sm">
              {actual.finished ? 'Spent' : 'Spent so far'}: <strong>{actual.tokens.toLocaleString('en')} tokens</strong>
              {actual.costUsd > 0 ? ` · ${usd(actual.costUsd)}` : ''}
            </p>
          )}
        </section>
        <section aria-label="Predicted conflicts" className="min-w-0">
          <h3 className="mb-2 text-sm font-semibold">Predicted conflicts ({graph.conflicts.length})</h3>
          {graph.conflicts.length === 0 && <p className="text-sm text-slate-500">No two tasks of one wave touch the same file.</p>}
          <ul className="text-sm">
            {graph.conflicts.map((c, i) => (
              <li key={i} className="text-red-800">
                {c.tasks.join(' ↔ ')}: {c.files.join(', ')} — {c.separatedBy}
              </li>
            ))}
          </ul>
          {notes.map((w) => (
            <p key={w} className="mt-1 text-xs text-amber-800">
              {w}
            </p>
          ))}
        </section>
      </div>
    </div>
  );
}
