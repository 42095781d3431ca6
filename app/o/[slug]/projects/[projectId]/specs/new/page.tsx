'use client';
import { use } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { SpecEditor } from '@/components/spec-editor';
import { ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';

export default function NewSpecPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = use(params);
  const org = useOrg();
  const settings = trpc.org.get.useQuery({ orgId: org.id });
  const project = trpc.project.get.useQuery({ orgId: org.id, projectId });
  usePageTitle(['New spec', project.data?.name, org.name]);
  if (settings.isLoading || project.isLoading) return <Loading />;
  if (settings.error || project.error) return <ErrorMessage>{(settings.error ?? project.error)!.message}</ErrorMessage>;
  return (
    <div className="flex flex-col gap-4">
      <Breadcrumbs
        items={[
          { label: org.name, href: `/o/${org.slug}/dashboard` },
          { label: 'Projects', href: `/o/${org.slug}/projects` },
          { label: project.data!.name, href: `/o/${org.slug}/projects/${projectId}` },
          { label: 'New spec' },
        ]}
      />
      <h1 className="text-2xl font-semibold">New spec · {project.data!.name}</h1>
      <SpecEditor orgId={org.id} orgSlug={org.slug} projectId={projectId} threshold={settings.data!.specThreshold} readOnly={org.role === 'viewer'} />
    </div>
  );
}
