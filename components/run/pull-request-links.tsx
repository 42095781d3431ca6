'use client';
import Link from 'next/link';
import { Empty, Loading } from '../ui/form';

/** Links to pull requests (project page, run page), with loading and empty states. */
export function PullRequestLinks(props: {
  orgSlug: string;
  label: string;
  emptyText: string;
  pullRequests: Array<{ id: string; title: string }> | undefined;
  loading?: boolean;
}) {
  return (
    <>
      {props.loading && <Loading />}
      {props.pullRequests?.length === 0 && <Empty>{props.emptyText}</Empty>}
      <ul aria-label={props.label} className="divide-y">
        {props.pullRequests?.map((p) => (
          <li key={p.id} className="py-2">
            <Link className="text-indigo-700 underline" href={`/o/${props.orgSlug}/pulls/${p.id}`}>
              {p.title}
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
