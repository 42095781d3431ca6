'use client';
import { Suspense, useMemo, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Card, Empty, ErrorMessage, Loading } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';
import { StartEval } from '@/components/evals/start-eval';
import { EvalComparison, pct, secs, usd } from '@/components/evals/eval-comparison';

/** The most eval runs compared at once (server/api/routers/evals.types.ts). */
const MAX_COMPARED = 6;
const ACTIVE = new Set(['queued', 'running']);

export default function EvalsPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Evals />
    </Suspense>
  );
}

function Evals() {
  const org = useOrg();
  usePageTitle(['Evals', org.name]);
  const asked = useSearchParams().get('run');
  const suites = trpc.evals.suites.useQuery({ orgId: org.id });
  const runs = trpc.evals.list.useQuery({ orgId: org.id }, { refetchInterval: (q) => (q.state.data?.some((r) => ACTIVE.has(r.status)) ? 3_000 : 30_000) });
  const [picked, setPicked] = useState<string[] | null>(null);

  // Until the person picks: the run in the link (with the run it was compared to), else the two newest finished runs.
  const chosen = useMemo(() => {
    if (picked) return picked;
    const rows = runs.data ?? [];
    const linked = asked ? rows.find((r) => r.id === asked) : undefined;
    if (linked) return [linked.comparedTo, linked.id].filter((x): x is string => !!x && rows.some((r) => r.id === x));
    return rows
      .filter((r) => r.status === 'finished')
      .slice(0, 2)
      .map((r) => r.id);
  }, [picked, runs.data, asked]);
  // Oldest first, so the columns read left to right in time.
  const ordered = useMemo(() => (runs.data ?? []).filter((r) => chosen.includes(r.id)).reverse().map((r) => r.id), [runs.data, chosen]);
  const detail = trpc.evals.detail.useQuery(
    { orgId: org.id, evalRunIds: ordered },
    { enabled: ordered.length > 0, refetchInterval: runs.data?.some((r) => ordered.includes(r.id) && ACTIVE.has(r.status)) ? 3_000 : false },
  );

  const toggle = (id: string) => {
    const now = chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id];
    setPicked(now.slice(-MAX_COMPARED));
  };
  const suite = suites.data?.[0];

  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Evals</h1>
      <Card title="Run an eval">
        <p className="mb-3 text-sm text-slate-600">
          {suite ? (
            <>
              The built-in suite <strong>{suite.name}</strong>: {suite.description} Each task attempt is a run of this organisation in its own sandbox, with its keys.
            </>
          ) : (
            'The built-in suite.'
          )}{' '}
          Your own suites run from the command line: <code>nightshift eval run --suite DIR --model provider:model</code>.
        </p>
        <StartEval orgId={org.id} suite={suite} onStarted={(id) => setPicked([...chosen.slice(-(MAX_COMPARED - 1)), id])} />
      </Card>

      <Card title="Eval runs">
        {runs.isLoading && <Loading />}
        {runs.error && <ErrorMessage>{runs.error.message}</ErrorMessage>}
        {runs.data?.length === 0 && <Empty>No eval runs yet. Start one above, or run nightshift eval run from the command line.</Empty>}
        {!!runs.data?.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Eval runs">
              <thead>
                <tr className="border-b text-xs text-slate-500">
                  <th className="py-2 pr-2">Compare</th>
                  <th className="py-2 pr-4">Started</th>
                  <th className="py-2 pr-4">Suite</th>
                  <th className="py-2 pr-4">Model</th>
                  <th className="py-2 pr-4">Prompts</th>
                  <th className="py-2 pr-4">Mode</th>
                  <th className="py-2 pr-4">Pass rate</th>
                  <th className="py-2 pr-4">Cost</th>
                  <th className="py-2 pr-4">Tokens</th>
                  <th className="py-2 pr-4">Duration</th>
                  <th className="py-2 pr-4">Against the previous run</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.id} className="border-b align-top" data-eval-run={r.id}>
                    <td className="py-2 pr-2">
                      <input type="checkbox" aria-label={`compare the eval of ${r.model} started ${new Date(r.createdAt).toLocaleString()}`} checked={chosen.includes(r.id)} onChange={() => toggle(r.id)} />
                    </td>
                    <td className="py-2 pr-4 whitespace-nowrap">{new Date(r.createdAt).toLocaleString()}</td>
                    <td className="py-2 pr-4">{r.suite}</td>
                    <td className="py-2 pr-4 font-mono text-xs">{r.model}</td>
                    <td className="py-2 pr-4 font-mono text-xs">{r.promptVersion ?? '—'}</td>
                    <td className="py-2 pr-4">{r.mode}</td>
                    <td className="py-2 pr-4">
                      {r.status === 'finished' ? (
                        `${pct(r.passRate)} (${r.passed}/${r.runs})`
                      ) : ACTIVE.has(r.status) ? (
                        <span className="text-indigo-700">
                          {r.status} {r.done}/{r.total}
                        </span>
                      ) : (
                        <span className="text-red-700" title={r.error ?? undefined}>
                          {r.status}
                          {r.error ? `: ${r.error.split('\n')[0]}` : ''}
                        </span>
                      )}
                    </td>
                    <td className="py-2 pr-4">{usd(r.costUsd)}</td>
                    <td className="py-2 pr-4">{(r.inputTokens + r.outputTokens).toLocaleString()}</td>
                    <td className="py-2 pr-4">{r.status === 'finished' ? secs(r.durationMs) : '—'}</td>
                    <td className="py-2 pr-4">
                      {r.regressions.length > 0 ? (
                        <span className="rounded bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-800" role="status">
                          Regressed: {r.regressions.join(', ')}
                        </span>
                      ) : r.comparedTo ? (
                        <span className="text-xs text-emerald-700">no regression</span>
                      ) : r.status === 'finished' ? (
                        <span className="text-xs text-slate-500">first run of the suite</span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title={`Side by side${ordered.length ? ` (${ordered.length})` : ''}`}>
        {ordered.length === 0 && <Empty>Tick eval runs above to compare them task by task.</Empty>}
        {detail.error && <ErrorMessage>{detail.error.message}</ErrorMessage>}
        {detail.data && ordered.length > 0 && <EvalComparison runs={detail.data} orgSlug={org.slug} />}
      </Card>
    </div>
  );
}
