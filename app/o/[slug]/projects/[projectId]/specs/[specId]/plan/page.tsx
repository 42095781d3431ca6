'use client';
import { use, useEffect, useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { useOrgEvents } from '@/components/run/use-org-events';
import { Button, Card, ErrorMessage, Field, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { RunsList } from '@/components/run/runs-list';

/** Planning an accepted spec: the planner agent proposes tasks; the run waits for "Start run". */
export default function PlanSpecPage({ params }: { params: Promise<{ projectId: string; specId: string }> }) {
  const { projectId, specId } = use(params);
  const org = useOrg();
  const router = useRouter();
  const spec = trpc.spec.get.useQuery({ orgId: org.id, specId });
  const project = trpc.project.get.useQuery({ orgId: org.id, projectId });
  usePageTitle(['Plan', spec.data?.title, org.name]);
  const defaults = trpc.planning.defaultModel.useQuery({ orgId: org.id });
  const [planning, setPlanning] = useState(false);
  const runs = trpc.run.list.useQuery({ orgId: org.id, specId }, { refetchInterval: planning ? 1500 : false });
  const plan = trpc.planning.planSpec.useMutation();
  const [error, setError] = useState<string | null>(null);

  useOrgEvents((e) => {
    if (e.type === 'spec.planned' && e.specId === specId) {
      setPlanning(false);
      if (e.error) setError(`Planning failed: ${e.error}`);
      else void runs.refetch();
    }
  });
  const queued = runs.data?.find((r) => r.status === 'queued');
  useEffect(() => {
    if (queued) router.push(`/o/${org.slug}/runs/${queued.id}`);
  }, [queued, org.slug, router]);

  if (spec.isLoading) return <Loading />;
  if (spec.error) return <ErrorMessage>{spec.error.message}</ErrorMessage>;
  const s = spec.data!;
  const imported = Array.isArray(s.importedTasks) ? (s.importedTasks as Array<{ done?: boolean }>) : null;
  const importedDone = imported ? imported.filter((t) => t.done).length : 0;

  async function onPlan(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const model = String(new FormData(e.currentTarget).get('model') || '') || undefined;
    try {
      await plan.mutateAsync({ orgId: org.id, specId, model });
      setPlanning(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <Breadcrumbs
        items={[
          { label: org.name, href: `/o/${org.slug}/dashboard` },
          { label: 'Projects', href: `/o/${org.slug}/projects` },
          { label: project.data?.name ?? 'Project', href: `/o/${org.slug}/projects/${projectId}` },
          { label: s.title, href: `/o/${org.slug}/projects/${projectId}/specs/${specId}` },
          { label: 'Plan' },
        ]}
      />
      <h1 className="text-2xl font-semibold">Plan · {s.title}</h1>
      {s.status !== 'accepted' ? (
        <ErrorMessage>
          This spec is {s.status}: submit it for planning from the <Link href={`/o/${org.slug}/projects/${projectId}/specs/${specId}`}>editor</Link> first.
        </ErrorMessage>
      ) : (
        <Card title="Plan with agents">
          {imported ? (
            <p className="mb-3 text-sm text-slate-600">
              This spec was imported from Spec Kit: its {imported.length - importedDone} open tasks ({importedDone} already done) are the plan, in the order tasks.md gives them.
              The planner agent is only asked to fill gaps (files of tasks that name none). Nothing runs until you press “Start run”.
            </p>
          ) : (
            <p className="mb-3 text-sm text-slate-600">
              The planner agent reads the repository and splits the spec into tasks; Nightshift orders them into conflict-free waves and forecasts tokens and cost. Nothing runs until you press “Start run”.
            </p>
          )}
          <form onSubmit={onPlan} className="flex flex-wrap items-end gap-3">
            <Field label="Model" name="model" defaultValue={defaults.data?.model} key={defaults.data?.model} placeholder="provider:model" />
            <Button type="submit" disabled={plan.isPending || planning}>
              {planning ? 'Planning…' : 'Plan with agents'}
            </Button>
          </form>
          {planning && (
            <p role="status" className="mt-3 text-sm text-slate-600">
              The planner is reading the repository…
            </p>
          )}
          <ErrorMessage>{error}</ErrorMessage>
        </Card>
      )}
      {!!runs.data?.length && (
        <Card title="Runs of this spec">
          <RunsList orgSlug={org.slug} runs={runs.data} showProject={false} label="Runs of this spec" />
        </Card>
      )}
    </div>
  );
}
