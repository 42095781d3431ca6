'use client';
import { use } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { SpecEditor } from '@/components/spec-editor';
import { ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';

export default function SpecPage({ params }: { params: Promise<{ projectId: string; specId: string }> }) {
  const { projectId, specId } = use(params);
  const org = useOrg();
  const spec = trpc.spec.get.useQuery({ orgId: org.id, specId });
  const project = trpc.project.get.useQuery({ orgId: org.id, projectId });
  usePageTitle(['Spec', spec.data?.title, org.name]);
  if (spec.isLoading) return <Loading />;
  if (spec.error) return <ErrorMessage>{spec.error.message}</ErrorMessage>;
  const s = spec.data!;
  const locked = s.status === 'accepted' || org.role === 'viewer';
  return (
    <div className="flex flex-col gap-4">
      <Breadcrumbs
        items={[
          { label: org.name, href: `/o/${org.slug}/dashboard` },
          { label: 'Projects', href: `/o/${org.slug}/projects` },
          { label: project.data?.name ?? 'Project', href: `/o/${org.slug}/projects/${projectId}` },
          { label: s.title },
        ]}
      />
      <div className="flex flex-wrap items-center gap-4">
        <h1 className="min-w-0 break-words text-2xl font-semibold">{s.title}</h1>
        <span className="rounded bg-slate-200 px-2 py-0.5 text-xs">{s.status}</span>
        {s.status === 'accepted' && (
          <Link className="text-sm text-indigo-700 underline" href={`/o/${org.slug}/projects/${projectId}/specs/${specId}/plan`}>
            Plan preview
          </Link>
        )}
      </div>
      <SpecEditor orgId={org.id} orgSlug={org.slug} projectId={projectId} threshold={s.threshold} readOnly={locked} spec={s} />
    </div>
  );
}
