'use client';
import Link from 'next/link';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RouterOutputs } from '../trpc';

export type EvalRunDetail = RouterOutputs['evals']['detail'][number];
type TaskResult = EvalRunDetail['tasks'][number];

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x * 1000) / 10}%`);
export const usd = (x: number) => `$${x.toFixed(x < 1 ? 4 : 2)}`;
export const secs = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/** How a run is named in the chart and the table heads: model, prompt version, mode. */
export function runLabel(r: Pick<EvalRunDetail, 'model' | 'promptVersion' | 'mode' | 'createdAt'>): string {
  return `${r.model} · prompts ${r.promptVersion ?? '—'} · ${r.mode}`;
}

const STATUS_STYLE: Record<TaskResult['status'], string> = {
  passed: 'bg-emerald-50 text-emerald-800',
  failed: 'bg-red-50 text-red-800',
  error: 'bg-amber-50 text-amber-800',
};
const STATUS_MARK: Record<TaskResult['status'], string> = { passed: '✓ passed', failed: '✗ failed', error: '! error' };

/**
 * Eval runs side by side: a chart of pass rate and cost per run, then one row per task with each
 * run's outcome (status, turns, cost, tokens, duration, a link to the run).
 */
export function EvalComparison({ runs, orgSlug }: { runs: EvalRunDetail[]; orgSlug: string }) {
  const chart = runs.map((r, i) => ({
    name: `#${i + 1} ${r.model}`,
    passRate: r.passRate === null ? 0 : Math.round(r.passRate * 1000) / 10,
    costUsd: r.costUsd,
  }));
  const taskIds = [...new Set(runs.flatMap((r) => r.tasks.map((t) => t.id)))].sort();
  return (
    <div className="flex flex-col gap-6">
      <div className="h-64" role="img" aria-label={`Pass rate and cost of ${runs.length} eval runs: ${runs.map((r, i) => `#${i + 1} ${runLabel(r)} ${pct(r.passRate)}`).join('; ')}`}>
        <ResponsiveContainer>
          <BarChart data={chart}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="name" />
            <YAxis yAxisId="rate" domain={[0, 100]} unit="%" />
            <YAxis yAxisId="cost" orientation="right" unit="$" />
            <Tooltip />
            <Legend />
            <Bar yAxisId="rate" dataKey="passRate" name="pass rate (%)" fill="#4f46e5" />
            <Bar yAxisId="cost" dataKey="costUsd" name="cost (USD)" fill="#d97706" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" aria-label="Results per task">
          <thead>
            <tr className="border-b">
              <th className="py-2 pr-4">Task</th>
              {runs.map((r, i) => (
                <th key={r.id} className="py-2 pr-4 align-bottom font-medium">
                  <div>#{i + 1}</div>
                  <div className="text-xs font-normal text-slate-600">{runLabel(r)}</div>
                  <div className="text-xs font-normal text-slate-600">
                    {pct(r.passRate)} · {usd(r.costUsd)} · {(r.inputTokens + r.outputTokens).toLocaleString()} tokens · {secs(r.durationMs)}
                  </div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {taskIds.map((id) => (
              <tr key={id} className="border-b align-top">
                <th scope="row" className="py-2 pr-4 font-mono text-xs font-normal">
                  {id}
                </th>
                {runs.map((r) => {
                  const attempts = r.tasks.filter((t) => t.id === id);
                  const regressed = r.regressions.includes(id);
                  return (
                    <td key={r.id} className="py-2 pr-4" data-run={r.id} data-task={id}>
                      {attempts.length === 0 && <span className="text-slate-400">{r.status === 'running' || r.status === 'queued' ? 'pending' : 'not run'}</span>}
                      {attempts.map((t) => (
                        <div key={t.attempt} className="mb-1">
                          <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATUS_STYLE[t.status]}`} title={t.reason ?? undefined}>
                            {STATUS_MARK[t.status]}
                            {r.repeat > 1 ? ` #${t.attempt}` : ''}
                          </span>
                          {regressed && t.attempt === 1 && <span className="ml-1 rounded bg-red-600 px-1.5 py-0.5 text-xs font-semibold text-white">regressed</span>}
                          <div className="text-xs text-slate-600">
                            {t.turns} turns · {usd(t.costUsd)} · {((t.inputTokens ?? 0) + (t.outputTokens ?? 0)).toLocaleString()} tokens · {secs(t.durationMs ?? 0)}
                            {t.verifyExitCode !== null && t.status !== 'passed' ? ` · verify exit ${t.verifyExitCode}` : ''}
                          </div>
                          {t.runId && (
                            <Link className="text-xs text-indigo-700 underline" href={`/o/${orgSlug}/runs/${t.runId}`}>
                              run
                            </Link>
                          )}
                        </div>
                      ))}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
