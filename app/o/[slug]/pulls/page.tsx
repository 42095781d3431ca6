'use client';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Empty, ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { TaskStatusBadge } from '@/components/run/status-badge';
import { shortDate } from '@/components/run/runs-list';

type Verdict = { status: string | null; capHit: boolean; criteria: number; withoutEvidence: number };

/** The report's verdict in a word or two, coloured by what it means. */
function VerdictBadge({ v }: { v: Verdict }) {
  if (!v.status) return <span className="text-xs text-slate-400">no report</span>;
  const approved = v.status === 'approved';
  const unverified = approved && v.withoutEvidence > 0;
  const text = !approved ? (v.capHit ? 'QA cap hit' : 'not approved') : unverified ? `approved · ${v.withoutEvidence} without evidence` : 'approved';
  const style = !approved ? 'bg-red-100 text-red-900' : unverified ? 'bg-amber-100 text-amber-900' : 'bg-emerald-100 text-emerald-900';
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${style}`}>{text}</span>;
}

export default function PullRequestsPage() {
  const org = useOrg();
  const prs = trpc.run.pullRequests.useQuery({ orgId: org.id });
  usePageTitle(['Pull requests', org.name]);
  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-col gap-2">
        <Breadcrumbs items={[{ label: org.name, href: `/o/${org.slug}/dashboard` }, { label: 'Pull requests' }]} />
        <h1 className="text-2xl font-semibold">Pull requests</h1>
      </div>
      {prs.isLoading && <Loading />}
      {prs.error && <ErrorMessage>{prs.error.message}</ErrorMessage>}
      {prs.data?.length === 0 && <Empty>No pull requests yet. Runs open them when their tasks pass QA and review.</Empty>}
      {!!prs.data?.length && (
        <ul aria-label="Pull requests" className="divide-y rounded-lg border bg-white">
          {prs.data.map((p) => (
            <li key={p.id} className="flex flex-col gap-1.5 px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:gap-4">
              <div className="flex min-w-0 flex-col gap-0.5">
                <Link className="break-words font-medium text-indigo-700 underline" href={`/o/${org.slug}/pulls/${p.id}`}>
                  {p.title}
                </Link>
                <span className="text-xs text-slate-600">
                  <span>{p.projectName}</span>
                  {p.specTitle && <> · {p.specTitle}</>} · <time dateTime={new Date(p.createdAt).toISOString()}>{shortDate(p.createdAt)}</time> ·{' '}
                  <span className="break-all font-mono">{p.branch}</span>
                </span>
              </div>
              <div className="flex shrink-0 flex-wrap items-center gap-2">
                <VerdictBadge v={p.verdict} />
                <TaskStatusBadge status={p.state} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
