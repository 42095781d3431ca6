'use client';
import Link from 'next/link';
import { useState } from 'react';
import { trpc, type RouterOutputs } from '../trpc';
import { Button, ErrorMessage } from '../ui/form';

export type Proposal = RouterOutputs['rsi']['proposals'][number];

const STATUS_STYLE: Record<string, string> = {
  adopted: 'bg-emerald-100 text-emerald-800',
  'awaiting-approval': 'bg-amber-100 text-amber-900',
  calibrating: 'bg-indigo-100 text-indigo-800',
  proposed: 'bg-indigo-100 text-indigo-800',
  rejected: 'bg-red-100 text-red-800',
  error: 'bg-red-100 text-red-800',
  reverted: 'bg-slate-200 text-slate-700',
  dismissed: 'bg-slate-200 text-slate-700',
};

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

/** One proposal: what it changes, why, the observations it addresses, its calibration, and what an admin can do with it. */
export function ProposalCard({ p, orgId, orgSlug, canDecide }: { p: Proposal; orgId: string; orgSlug: string; canDecide: boolean }) {
  const utils = trpc.useUtils();
  const [note, setNote] = useState<string | null>(null);
  const done = async () => {
    await utils.rsi.proposals.invalidate();
  };
  const adopt = trpc.rsi.adopt.useMutation({ onSuccess: async (r) => (setNote(r.adopted ? 'Adopted.' : `Not adopted: ${r.reason}`), done()) });
  const dismiss = trpc.rsi.dismiss.useMutation({ onSuccess: async () => (setNote('Dismissed.'), done()) });
  const revert = trpc.rsi.revert.useMutation({ onSuccess: async (r) => (setNote(`Reverted.${r.note ? ` ${r.note}` : ''}`), done()) });
  const error = adopt.error ?? dismiss.error ?? revert.error;
  const busy = adopt.isPending || dismiss.isPending || revert.isPending;
  const cal = p.calibrations[0];
  return (
    <article className="rounded-md border border-slate-200 p-4" data-proposal={p.id} aria-label={`Proposal: ${p.title}`}>
      <header className="flex flex-wrap items-baseline gap-2">
        <h3 className="font-semibold">{p.title}</h3>
        <span className="font-mono text-xs text-slate-600">
          {p.kind} {p.target}
        </span>
        <span className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLE[p.status] ?? ''}`} data-status={p.status}>
          {p.status}
        </span>
        <span className="ml-auto text-xs text-slate-500">{new Date(p.createdAt).toLocaleString()}</span>
      </header>
      {p.statusReason && <p className="mt-1 text-sm text-slate-700">{p.statusReason}</p>}
      {p.rationale && <p className="mt-2 text-sm text-slate-600">{p.rationale}</p>}
      {p.observations.length > 0 && (
        <ul className="mt-2 list-disc pl-5 text-xs text-slate-600" aria-label="Observations it addresses">
          {p.observations.map((o) => (
            <li key={o.id}>{o.pattern}</li>
          ))}
        </ul>
      )}
      {cal && (
        <div className="mt-3 rounded bg-slate-50 p-3 text-sm" aria-label="Calibration">
          <p>
            <strong>Calibration {cal.status}</strong> on the {cal.suite} suite with {cal.model} ({cal.mode}): pass rate {pct(cal.baselinePassRate)}
            {cal.baselinePassed !== null ? ` (${cal.baselinePassed}/${cal.baselineRuns})` : ''} without → {pct(cal.candidatePassRate)}
            {cal.candidatePassed !== null ? ` (${cal.candidatePassed}/${cal.candidateRuns})` : ''} with; {cal.fixed} observed failing run{cal.fixed === 1 ? '' : 's'} pass with it; ${cal.costUsd.toFixed(4)}
          </p>
          {cal.verdict && <p className="mt-1 text-xs text-slate-600">{cal.verdict}</p>}
          {cal.error && <p className="mt-1 text-xs text-red-700">{cal.error}</p>}
          {cal.reruns.length > 0 && (
            <ul className="mt-1 text-xs text-slate-600" aria-label="Observed failing runs re-run">
              {cal.reruns.map((r) => (
                <li key={r.runId}>
                  <Link className="text-indigo-700 underline" href={`/o/${orgSlug}/runs/${r.runId}`}>
                    run {r.runId.slice(0, 8)}
                  </Link>{' '}
                  ({r.target}): {r.status}
                  {r.reason ? ` — ${r.reason}` : ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {p.edits.length > 0 && (
        <details className="mt-3 text-xs">
          <summary className="cursor-pointer text-slate-700">The change ({p.edits.length} edit{p.edits.length === 1 ? '' : 's'})</summary>
          {p.edits.map((e, i) => (
            <div key={i} className="mt-2 grid gap-2 sm:grid-cols-2">
              <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-red-50 p-2">{e.search}</pre>
              <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-emerald-50 p-2">{e.replace}</pre>
            </div>
          ))}
        </details>
      )}
      {p.challenge && (
        <details className="mt-3 text-xs">
          <summary className="cursor-pointer text-slate-700">The eval challenge {p.challenge.id}</summary>
          <p className="mt-1">{p.challenge.prompt}</p>
          <p className="mt-1 font-mono">verify: {p.challenge.verify}</p>
        </details>
      )}
      {canDecide && (
        <div className="mt-3 flex flex-wrap gap-2">
          {p.status === 'awaiting-approval' && (
            <Button disabled={busy} onClick={() => adopt.mutate({ orgId, proposalId: p.id })}>
              Adopt
            </Button>
          )}
          {['awaiting-approval', 'proposed', 'error'].includes(p.status) && (
            <Button variant="secondary" disabled={busy} onClick={() => dismiss.mutate({ orgId, proposalId: p.id })}>
              Dismiss
            </Button>
          )}
          {p.status === 'adopted' && (
            <Button variant="danger" disabled={busy} onClick={() => revert.mutate({ orgId, proposalId: p.id })}>
              Revert
            </Button>
          )}
        </div>
      )}
      {note && (
        <p role="status" className="mt-2 text-sm text-slate-700">
          {note}
        </p>
      )}
      <ErrorMessage>{error?.message}</ErrorMessage>
    </article>
  );
}
