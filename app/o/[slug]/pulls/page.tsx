'use client';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Empty, ErrorMessage, Loading } from '@/components/ui/form';

export default function PullRequestsPage() {
  const org = useOrg();
  const prs = trpc.run.pullRequests.useQuery({ orgId: org.id });
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Pull requests</h1>
      {prs.isLoading && <Loading />}
      {prs.error && <ErrorMessage>{prs.error.message}</ErrorMessage>}
      {prs.data?.length === 0 && <Empty>No pull requests yet. Runs open them when their tasks pass QA and review.</Empty>}
      <ul aria-label="Pull requests" className="divide-y rounded-lg border bg-white">
        {prs.data?.map((p) => (
          <li key={p.id} className="flex items-center justify-between px-4 py-3">
            <Link className="text-indigo-700 underline" href={`/o/${org.slug}/pulls/${p.id}`}>
              {p.title}
            </Link>
            <span className="font-mono text-xs text-slate-500">
              {p.branch} · {p.state}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
