'use client';
import { use } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { SpecEditor } from '@/components/spec-editor';
import { ErrorMessage, Loading } from '@/components/ui/form';

export default function NewSpecPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = use(params);
  const org = useOrg();
  const settings = trpc.org.get.useQuery({ orgId: org.id });
  const project = trpc.project.get.useQuery({ orgId: org.id, projectId });
  if (settings.isLoading || project.isLoading) return <Loading />;
  if (settings.error || project.error) return <ErrorMessage>{(settings.error ?? project.error)!.message}</ErrorMessage>;
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">New spec · {project.data!.name}</h1>
      <SpecEditor orgId={org.id} orgSlug={org.slug} projectId={projectId} threshold={settings.data!.specThreshold} readOnly={org.role === 'viewer'} />
    </div>
  );
}
