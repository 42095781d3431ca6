'use client';
import Link from 'next/link';
import { useState } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Card, Empty, ErrorMessage, Loading } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';
import { RsiSettingsForm } from '@/components/improvements/rsi-settings';
import { ProposalCard } from '@/components/improvements/proposal-card';

const OPEN = new Set(['queued', 'running']);
const PENDING = ['proposed', 'calibrating', 'awaiting-approval'] as const;
const DECIDED = ['adopted', 'reverted'] as const;
const CLOSED = ['rejected', 'dismissed', 'error'] as const;

/**
 * Improvements (issue 16): what the reporter observed in recent runs, the changes it proposed, how
 * each calibration went, and what was adopted — each adoption revertible.
 */
export default function ImprovementsPage() {
  const org = useOrg();
  usePageTitle(['Improvements', org.name]);
  const isAdmin = org.role === 'owner' || org.role === 'admin';
  const utils = trpc.useUtils();
  const reports = trpc.rsi.reports.useQuery({ orgId: org.id }, { refetchInterval: (q) => (q.state.data?.some((r) => OPEN.has(r.status)) ? 3_000 : 30_000) });
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const observations = trpc.rsi.observations.useQuery({ orgId: org.id, ...(picked ? { reportId: picked } : {}) });
  const anyOpen = reports.data?.some((r) => OPEN.has(r.status)) ?? false;
  const proposals = trpc.rsi.proposals.useQuery({ orgId: org.id }, { refetchInterval: anyOpen ? 3_000 : 30_000 });
  const runNow = trpc.rsi.runNow.useMutation({
    onSuccess: async () => {
      await utils.rsi.reports.invalidate();
    },
  });
  const of = (statuses: readonly string[]) => (proposals.data ?? []).filter((p) => statuses.includes(p.status));
  const shownReport = observations.data?.reportId ?? null;

  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Improvements</h1>
      <p className="text-sm text-slate-600">
        The reporter mines recent runs for failures that recur (in at least two runs). With a model it proposes a change — a prompt or skill edit, a documentation spec, an eval
        challenge — and a prompt or skill change is adopted only if the eval suite&apos;s pass rate does not drop with it and at least one observed failure passes with it.
      </p>

      <Card
        title="Reporter"
        actions={
          isAdmin ? (
            <Button variant="secondary" disabled={runNow.isPending || anyOpen} onClick={() => runNow.mutate({ orgId: org.id })}>
              {anyOpen ? 'A report is running…' : runNow.isPending ? 'Queueing…' : 'Run now'}
            </Button>
          ) : undefined
        }
      >
        <ErrorMessage>{runNow.error?.message}</ErrorMessage>
        <RsiSettingsForm orgId={org.id} canEdit={isAdmin} />
      </Card>

      <Card title="Reports">
        {reports.isLoading && <Loading />}
        {reports.error && <ErrorMessage>{reports.error.message}</ErrorMessage>}
        {reports.data?.length === 0 && <Empty>No reports yet. The reporter runs on its schedule, or press Run now.</Empty>}
        {!!reports.data?.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Reports">
              <thead>
                <tr className="border-b text-xs text-slate-500">
                  <th className="py-2 pr-4">Started</th>
                  <th className="py-2 pr-4">By</th>
                  <th className="py-2 pr-4">Status</th>
                  <th className="py-2 pr-4">Runs mined</th>
                  <th className="py-2 pr-4">Observations</th>
                  <th className="py-2 pr-4">Proposals</th>
                  <th className="py-2 pr-4">Summary</th>
                </tr>
              </thead>
              <tbody>
                {reports.data.map((r) => (
                  <tr key={r.id} className={`border-b align-top ${r.id === shownReport ? 'bg-indigo-50' : ''}`} data-report={r.id}>
                    <td className="py-2 pr-4 whitespace-nowrap">
                      <button className="text-indigo-700 underline" onClick={() => setPicked(r.id)} aria-label={`Show the observations of the report of ${new Date(r.createdAt).toLocaleString()}`}>
                        {new Date(r.createdAt).toLocaleString()}
                      </button>
                    </td>
                    <td className="py-2 pr-4">{r.trigger}</td>
                    <td className="py-2 pr-4">{r.status}</td>
                    <td className="py-2 pr-4">{r.runsMined}</td>
                    <td className="py-2 pr-4">{r.observations}</td>
                    <td className="py-2 pr-4">{r.proposals}</td>
                    <td className="py-2 pr-4 text-xs text-slate-600">{r.error ? <span className="text-red-700">{r.error}</span> : r.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Observations">
        {observations.isLoading && <Loading />}
        {observations.error && <ErrorMessage>{observations.error.message}</ErrorMessage>}
        {observations.data && observations.data.observations.length === 0 && <Empty>{shownReport ? 'Nothing recurred in this report’s runs.' : 'No finished report yet.'}</Empty>}
        {!!observations.data?.observations.length && (
          <ol className="flex flex-col gap-3" aria-label="Observations">
            {observations.data.observations.map((o) => (
              <li key={o.id} className="rounded-md border border-slate-200 p-3" data-observation={o.id}>
                <p className="text-sm font-medium">
                  <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{o.kind}</span>
                  {o.pattern}
                </p>
                <p className="mt-1 text-xs text-slate-600">
                  Runs:{' '}
                  {o.runs.map((id, i) => (
                    <span key={id}>
                      {i > 0 && ', '}
                      <Link className="text-indigo-700 underline" href={`/o/${org.slug}/runs/${id}`}>
                        {id.slice(0, 8)}
                      </Link>
                    </span>
                  ))}
                </p>
                <pre className="mt-2 overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs">{o.example.text}</pre>
              </li>
            ))}
          </ol>
        )}
      </Card>

      <Card title="Proposals">
        {proposals.isLoading && <Loading />}
        {proposals.error && <ErrorMessage>{proposals.error.message}</ErrorMessage>}
        {proposals.data && of(PENDING).length === 0 && <Empty>No proposal waits for a decision.</Empty>}
        <div className="flex flex-col gap-3">
          {of(PENDING).map((p) => (
            <ProposalCard key={p.id} p={p} orgId={org.id} orgSlug={org.slug} canDecide={isAdmin} />
          ))}
        </div>
      </Card>

      <Card title="Adopted changes">
        {proposals.data && of(DECIDED).length === 0 && <Empty>Nothing adopted yet.</Empty>}
        <div className="flex flex-col gap-3">
          {of(DECIDED).map((p) => (
            <ProposalCard key={p.id} p={p} orgId={org.id} orgSlug={org.slug} canDecide={isAdmin} />
          ))}
        </div>
      </Card>

      <Card title="Rejected and dismissed">
        {proposals.data && of(CLOSED).length === 0 && <Empty>None.</Empty>}
        <div className="flex flex-col gap-3">
          {of(CLOSED).map((p) => (
            <ProposalCard key={p.id} p={p} orgId={org.id} orgSlug={org.slug} canDecide={isAdmin} />
          ))}
        </div>
      </Card>
    </div>
  );
}
