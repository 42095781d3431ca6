'use client';
import { use, useState } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { DiffViewer } from '@/components/monaco';
import { languageOf, parseUnifiedDiff } from '@/server/repos/unified-diff';
import { Card, ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { Markdown } from '@/components/ui/markdown';
import { ReportMarkdown } from '@/components/run/report-markdown';
import { RunStatusBadge } from '@/components/run/status-badge';
import { plural } from '@/components/run/steps';
import { checkoutCommand, CopyCommand, PullActions, type Location } from '@/components/pull-request/pull-actions';

const MARK = { true: { icon: '✓', text: 'met', style: 'bg-emerald-100 text-emerald-800' }, false: { icon: '✗', text: 'not met', style: 'bg-red-100 text-red-800' }, null: { icon: '?', text: 'not shown', style: 'bg-slate-200 text-slate-700' } } as const;

function Notice({ location, branch, base, state }: { location: Location; branch: string; base: string; state: string }) {
  const b = <code className="break-all font-mono">{branch}</code>;
  switch (location.kind) {
    case 'local':
      if (!location.branchSha)
        return (
          <>
            Branch {b} is not in <code className="break-all font-mono">{location.path}</code> any more (deleted or renamed there).
          </>
        );
      return (
        <>
          Branch {b} was pushed into <code className="break-all font-mono">{location.path}</code> (commit <code className="font-mono">{location.branchSha.slice(0, 10)}</code>)
          {location.merged ? (
            <>
              {' '}
              and is merged into <code className="font-mono">{base}</code> there.
            </>
          ) : state === 'open' ? (
            <>
              ; <code className="font-mono">{base}</code> there is unchanged until you merge.
            </>
          ) : (
            '.'
          )}
        </>
      );
    case 'github':
      return (
        <>
          Branch {b} was pushed to GitHub and this pull request opened there
          {location.url && (
            <>
              :{' '}
              <a className="break-all text-indigo-700 underline" href={location.url} target="_blank" rel="noreferrer">
                {location.url}
              </a>
            </>
          )}
          .
        </>
      );
    case 'remote':
      return (
        <>
          Branch {b} was pushed to <code className="break-all font-mono">{location.url}</code>.
        </>
      );
    default:
      return <>{location.message}</>;
  }
}

export default function PullRequestPage({ params }: { params: Promise<{ pullId: string }> }) {
  const { pullId } = use(params);
  const org = useOrg();
  const utils = trpc.useUtils();
  const pr = trpc.run.pullRequest.useQuery({ orgId: org.id, pullRequestId: pullId });
  const shots = trpc.run.pullScreenshots.useQuery({ orgId: org.id, pullRequestId: pullId });
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => Promise.all([pr.refetch(), utils.run.pullRequests.invalidate()]);
  const merge = trpc.run.mergePullRequest.useMutation({
    onSuccess: (r) => {
      setDone(r.alreadyMerged ? `Already merged: ${r.base} in ${r.path} holds this branch.` : `Merged into ${r.base} in ${r.path} (commit ${r.sha.slice(0, 10)}).`);
      void refresh();
    },
  });
  const close = trpc.run.closePullRequest.useMutation({ onSuccess: () => (setDone('Closed. The branch stays where it was pushed.'), void refresh()) });
  const reopen = trpc.run.reopenPullRequest.useMutation({ onSuccess: () => (setDone('Reopened.'), void refresh()) });
  usePageTitle(['Pull request', pr.data?.title, org.name]);

  if (pr.isLoading) return <Loading />;
  if (pr.error) return <ErrorMessage>{pr.error.message}</ErrorMessage>;
  const p = pr.data!;
  const files = parseUnifiedDiff(p.diff ?? '');
  const report = p.report;
  const location = p.location as Location;
  const missing = report.withoutEvidence;
  const reset = () => {
    setDone(null);
    merge.reset();
    close.reset();
    reopen.reset();
  };

  return (
    <div className="flex min-w-0 flex-col gap-6">
      <div className="flex flex-col gap-2">
        <Breadcrumbs
          items={[
            { label: org.name, href: `/o/${org.slug}/dashboard` },
            { label: 'Pull requests', href: `/o/${org.slug}/pulls` },
            { label: p.title },
          ]}
        />
        <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
          <h1 className="min-w-0 break-words text-2xl font-semibold">{p.title}</h1>
          <RunStatusBadge status={p.state} label="Pull request state" />
          {p.draft && <span className="rounded bg-slate-100 px-2 py-0.5 text-xs">draft</span>}
        </div>
        <p className="break-all font-mono text-sm text-slate-600">
          {p.branch} → {p.base}
        </p>
        <p className="flex flex-wrap gap-x-2 text-sm text-slate-600">
          <Link className="text-indigo-700 underline" href={`/o/${org.slug}/projects/${p.projectId}`}>
            {p.projectName}
          </Link>
          {p.runId && (
            <>
              <span>·</span>
              <Link className="text-indigo-700 underline" href={`/o/${org.slug}/runs/${p.runId}`}>
                {p.specTitle ? `Run of ${p.specTitle}` : 'Its run'}
              </Link>
            </>
          )}
          <span>·</span>
          <span>opened {new Date(p.createdAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })}</span>
        </p>
      </div>

      <section aria-label="Where the branch is" className="rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm">
        <p className="break-words">
          <Notice location={location} branch={p.branch} base={p.base} state={p.state} />
        </p>
      </section>

      {(report.capHit || missing.length > 0) && (
        <section aria-label="Verification warning" className="rounded-lg border-2 border-amber-400 bg-amber-50 p-4 text-amber-950">
          <h2 className="text-base font-semibold">⚠ This change is not fully verified</h2>
          <ul className="mt-1 list-disc pl-5 text-sm">
            {report.capHit && <li>QA and review did not agree within the cap of QA cycles{report.reason ? ` (${report.reason})` : ''}: the open findings are in the report below.</li>}
            {missing.length > 0 && (
              <li>
                {missing.length === report.criteria.length
                  ? `No acceptance criterion has evidence recorded`
                  : `${missing.length} of ${plural(report.criteria.length, 'acceptance criterion', 'acceptance criteria')} ${missing.length === 1 ? 'has' : 'have'} no evidence recorded`}{' '}
                ({missing.length === 1 ? 'criterion' : 'criteria'} {missing.join(', ')}). Check {missing.length === 1 ? 'it' : 'them'} yourself before merging.
              </li>
            )}
          </ul>
        </section>
      )}

      <Card title="Actions">
        <div className="flex flex-col gap-4" onClickCapture={reset}>
          <PullActions
            state={p.state}
            base={p.base}
            branch={p.branch}
            location={location}
            canAct={org.role !== 'viewer'}
            merging={merge.isPending}
            closing={close.isPending || reopen.isPending}
            onMerge={() => merge.mutateAsync({ orgId: org.id, pullRequestId: pullId })}
            onClose={() => close.mutateAsync({ orgId: org.id, pullRequestId: pullId }).catch(() => undefined)}
            onReopen={() => reopen.mutateAsync({ orgId: org.id, pullRequestId: pullId }).catch(() => undefined)}
            error={merge.error?.message ?? close.error?.message ?? reopen.error?.message ?? null}
            unverified={report.capHit || missing.length > 0 || (report.status !== null && report.status !== 'approved')}
            done={done}
          />
          <CopyCommand label="Check the branch out" command={checkoutCommand(location, p.branch)} />
        </div>
      </Card>

      {report.criteria.length > 0 && (
        <Card title="Acceptance criteria">
          <p className="mb-3 text-sm text-slate-600">
            {report.status && (
              <>
                Verdict: <strong className={report.status === 'approved' ? 'text-emerald-800' : 'text-red-800'}>{report.status}</strong> ·{' '}
              </>
            )}
            {report.criteria.length - missing.length} of {plural(report.criteria.length, 'criterion', 'criteria')} with evidence
          </p>
          <ol aria-label="Acceptance criteria" className="flex flex-col gap-3">
            {report.criteria.map((c) => {
              const mark = MARK[String(c.met) as 'true' | 'false' | 'null'];
              const noEvidence = c.evidence.length === 0;
              return (
                <li key={c.number} aria-label={`Criterion ${c.number}`} data-met={String(c.met)} data-evidence={noEvidence ? 'none' : 'some'} className={`flex gap-3 rounded-md border p-3 text-sm ${noEvidence ? 'border-amber-300 bg-amber-50/60' : 'border-slate-200'}`}>
                  <span aria-label={mark.text} className={`mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-sm font-bold ${mark.style}`}>
                    {mark.icon}
                  </span>
                  <div className="min-w-0 flex-1">
                    <p className="break-words font-medium">
                      {c.number}. <Markdown inline>{c.text}</Markdown>
                    </p>
                    {noEvidence ? (
                      <p className="mt-1 font-medium text-amber-900">No evidence recorded.</p>
                    ) : (
                      <ul className="mt-1 list-disc space-y-0.5 pl-5 text-slate-700">
                        {c.evidence.map((ev, i) => (
                          <li key={i} className="break-words">
                            <Markdown inline>{ev}</Markdown>
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        </Card>
      )}

      <Card title="Verification report">
        <ReportMarkdown markdown={p.body} />
      </Card>

      <Card title="Screenshots">
        {shots.isLoading && <Loading />}
        <ErrorMessage>{shots.error?.message ?? null}</ErrorMessage>
        {shots.data?.length === 0 && <p className="text-sm text-slate-500">The web tester took no screenshots for this pull request.</p>}
        <ul aria-label="Screenshots" className="grid gap-4 md:grid-cols-2">
          {shots.data?.map((name) => (
            <li key={name}>
              <figure className="rounded-md border border-slate-200 p-2">
                <a href={`/api/pulls/${pullId}/screenshots/${name}`} target="_blank" rel="noreferrer">
                  {/* eslint-disable-next-line @next/next/no-img-element -- served by Nightshift behind the session, not optimisable */}
                  <img src={`/api/pulls/${pullId}/screenshots/${name}`} alt={`Screenshot ${name}`} loading="lazy" className="max-h-80 w-full object-contain object-top" />
                </a>
                <figcaption className="mt-1 font-mono text-xs text-slate-600">{name}</figcaption>
              </figure>
            </li>
          ))}
        </ul>
      </Card>
      <Card title={`Changes (${plural(files.length, 'file')})`}>
        {files.length === 0 && <p className="text-sm text-slate-500">No changes.</p>}
        {files.map((f) => (
          <section key={f.path} aria-label={`Diff of ${f.path}`} className="mb-4">
            <h3 className="break-all font-mono text-sm">
              {f.path} <span className="text-emerald-700">+{f.added}</span> <span className="text-red-700">−{f.removed}</span>
            </h3>
            <div className="h-80 border">
              <DiffViewer original={f.original} modified={f.modified} language={languageOf(f.path)} height="20rem" />
            </div>
          </section>
        ))}
      </Card>
    </div>
  );
}
