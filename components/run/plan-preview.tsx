'use client';
import { PlanGraph, type PlanGraphInput } from '../plan-graph';

type TaskRow = { key: string; title: string; files: unknown };
type Forecast = { tasks?: Array<{ id: string; wave: number; inputTokens: number; outputTokens: number; costUsd: number | null }>; totals?: { inputTokens: number; outputTokens: number; costUsd: number | null }; warnings?: string[] };

/** The plan before spending: the waves as a graph, predicted conflicts, and the token and cost forecast. */
export function PlanPreview({ plan, forecast, tasks }: { plan: Record<string, unknown>; forecast: Forecast | null; tasks: TaskRow[] }) {
  const graph: PlanGraphInput = {
    waves: (plan.waves as string[][]) ?? [],
    edges: (plan.edges as PlanGraphInput['edges']) ?? [],
    conflicts: (plan.conflicts as PlanGraphInput['conflicts']) ?? [],
    titles: Object.fromEntries(tasks.map((t) => [t.key, t.title])),
    forecast: Object.fromEntries((forecast?.tasks ?? []).map((t) => [t.id, t])),
  };
  const totals = forecast?.totals;
  return (
    <div className="flex flex-col gap-4">
      <PlanGraph plan={graph} />
      <div className="grid gap-4 md:grid-cols-2">
        <section aria-label="Forecast">
          <h3 className="mb-2 text-sm font-semibold">Forecast</h3>
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="text-slate-500">
                <th>Task</th>
                <th>Wave</th>
                <th className="text-right">Tokens</th>
                <th className="text-right">Cost</th>
              </tr>
            </thead>
            <tbody>
              {(forecast?.tasks ?? []).map((t) => (
                <tr key={t.id} className="border-t">
                  <td>{t.id}</td>
                  <td>{t.wave + 1}</td>
                  <td className="text-right">{(t.inputTokens + t.outputTokens).toLocaleString()}</td>
                  <td className="text-right">{t.costUsd === null ? '—' : `$${t.costUsd.toFixed(2)}`}</td>
                </tr>
              ))}
            </tbody>
            {totals && (
              <tfoot>
                <tr className="border-t font-semibold">
                  <td colSpan={2}>Total</td>
                  <td className="text-right">{(totals.inputTokens + totals.outputTokens).toLocaleString()}</td>
                  <td className="text-right">{totals.costUsd === null ? '—' : `$${totals.costUsd.toFixed(2)}`}</td>
                </tr>
              </tfoot>
            )}
          </table>
        </section>
        <section aria-label="Predicted conflicts">
          <h3 className="mb-2 text-sm font-semibold">Predicted conflicts ({graph.conflicts.length})</h3>
          {graph.conflicts.length === 0 && <p className="text-sm text-slate-500">No two tasks of one wave touch the same file.</p>}
          <ul className="text-sm">
            {graph.conflicts.map((c, i) => (
              <li key={i} className="text-red-800">
                {c.tasks.join(' ↔ ')}: {c.files.join(', ')} — {c.separatedBy}
              </li>
            ))}
          </ul>
          {forecast?.warnings?.map((w) => (
            <p key={w} className="text-xs text-amber-800">
              {w}
            </p>
          ))}
        </section>
      </div>
    </div>
  );
}
