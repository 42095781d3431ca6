'use client';
import { use } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { DiffViewer } from '@/components/monaco';
import { languageOf, parseUnifiedDiff } from '@/server/repos/unified-diff';
import { Card, ErrorMessage, Loading } from '@/components/ui/form';
import { ReportMarkdown } from '@/components/run/report-markdown';

export default function PullRequestPage({ params }: { params: Promise<{ pullId: string }> }) {
  const { pullId } = use(params);
  const org = useOrg();
  const pr = trpc.run.pullRequest.useQuery({ orgId: org.id, pullRequestId: pullId });
  const shots = trpc.run.pullScreenshots.useQuery({ orgId: org.id, pullRequestId: pullId });
  if (pr.isLoading) return <Loading />;
  if (pr.error) return <ErrorMessage>{pr.error.message}</ErrorMessage>;
  const p = pr.data!;
  const files = parseUnifiedDiff(p.diff ?? '');
  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold">{p.title}</h1>
        <p className="font-mono text-sm text-slate-600">
          {p.branch} → {p.base} · {p.state}
          {p.draft ? ' · draft' : ''}
        </p>
        {p.url && (
          <a className="text-sm text-indigo-700 underline" href={p.url} target="_blank" rel="noreferrer">
            Open on GitHub
          </a>
        )}
        {p.runId && (
          <Link className="ml-4 text-sm text-indigo-700 underline" href={`/o/${org.slug}/runs/${p.runId}`}>
            Back to the run
          </Link>
        )}
      </div>
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
      <Card title={`Changes (${files.length} file${files.length === 1 ? '' : 's'})`}>
        {files.length === 0 && <p className="text-sm text-slate-500">No changes.</p>}
        {files.map((f) => (
          <section key={f.path} aria-label={`Diff of ${f.path}`} className="mb-4">
            <h3 className="font-mono text-sm">
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
