'use client';
import { use, useState, type FormEvent } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { PullRequestLinks } from '@/components/run/pull-request-links';
import { useOrg } from '@/components/org-context';
import { Button, Card, Empty, ErrorMessage, Loading, SavedMessage } from '@/components/ui/form';
import { DeleteProject, EditProjectForm, ProjectHealth } from '@/components/project/project-form';
import { ProjectMcpAccess, ProjectWebTester } from '@/components/project/project-settings';
import { EnvironmentCard } from '@/components/project/environment-card';
import { ProjectPatterns } from '@/components/project/patterns';
import { RunsList } from '@/components/run/runs-list';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';

export default function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = use(params);
  const org = useOrg();
  const project = trpc.project.get.useQuery({ orgId: org.id, projectId });
  const specs = trpc.spec.list.useQuery({ orgId: org.id, projectId });
  const runs = trpc.run.list.useQuery({ orgId: org.id, projectId });
  const prs = trpc.run.pullRequests.useQuery({ orgId: org.id, projectId });
  const base = `/o/${org.slug}/projects/${projectId}`;
  const ask = trpc.chat.ask.useMutation();
  const [question, setQuestion] = useState('');
  usePageTitle(['Project', project.data?.name, org.name]);
  const [editing, setEditing] = useState(false);
  const [projectSaved, setProjectSaved] = useState<string | null>(null);
  const onAsk = (e: FormEvent) => {
    e.preventDefault();
    if (question.trim()) ask.mutate({ orgId: org.id, projectId, question });
  };
  if (project.isLoading) return <Loading />;
  if (project.error) return <ErrorMessage>{project.error.message}</ErrorMessage>;
  return (
    <div className="flex min-w-0 flex-col gap-6">
      <Breadcrumbs
        items={[
          { label: org.name, href: `/o/${org.slug}/dashboard` },
          { label: 'Projects', href: `/o/${org.slug}/projects` },
          { label: project.data!.name },
        ]}
      />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold break-words">{project.data!.name}</h1>
          <p className="font-mono text-xs break-all text-slate-600">{project.data!.repository}</p>
          <ProjectHealth projectId={projectId} />
        </div>
        <div className="flex flex-wrap gap-2">
          {org.role !== 'viewer' && (
            <Link href={`${base}/specs/new`} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">
              New spec
            </Link>
          )}
          {org.role !== 'viewer' && !editing && (
            <Button variant="secondary" onClick={() => setEditing(true)}>
              Edit project
            </Button>
          )}
        </div>
      </div>
      <SavedMessage>{projectSaved}</SavedMessage>
      {editing && (
        <EditProjectForm
          project={project.data!}
          onDone={(message) => {
            setEditing(false);
            setProjectSaved(message);
          }}
        />
      )}
      <Card title="Specs">
        {specs.isLoading && <Loading />}
        {specs.data?.length === 0 && <Empty>No specs yet. A spec says what to build; Nightshift plans and builds it.</Empty>}
        <ul aria-label="Specs" className="divide-y">
          {specs.data?.map((s) => (
            <li key={s.id} className="flex items-center justify-between py-2">
              <Link className="text-indigo-700 underline" href={`${base}/specs/${s.id}`}>
                {s.title}
              </Link>
              <span className="text-sm text-slate-600">
                {s.score}/100 · {s.status}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Runs">
        <RunsList orgSlug={org.slug} runs={runs.data} loading={runs.isLoading} showProject={false} label="Runs" emptyText="No runs yet. Plan an accepted spec to start one." />
      </Card>
      {org.role !== 'viewer' && (
        <Card title="Ask about this repository">
          <form onSubmit={onAsk} className="flex gap-2">
            <input
              aria-label="Question about the repository"
              value={question}
              onChange={(e) => setQuestion(e.target.value)}
              placeholder="Where are sessions validated?"
              className="flex-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
            <Button type="submit" disabled={ask.isPending || !question.trim()}>
              {ask.isPending ? 'Reading the code…' : 'Ask'}
            </Button>
          </form>
          {ask.data?.answer && (
            <pre aria-label="Answer" className="mt-3 whitespace-pre-wrap rounded bg-slate-50 p-3 text-sm">
              {ask.data.answer}
            </pre>
          )}
          <ErrorMessage>{ask.error?.message ?? ask.data?.error}</ErrorMessage>
        </Card>
      )}
      <Card title="Pull requests">
        <PullRequestLinks orgSlug={org.slug} label="Pull requests" emptyText="No pull requests yet." pullRequests={prs.data} loading={prs.isLoading} />
      </Card>
      <ProjectPatterns orgId={org.id} orgSlug={org.slug} projectId={projectId} canEdit={org.role !== 'viewer'} />
      <EnvironmentCard orgId={org.id} projectId={projectId} canEdit={org.role !== 'viewer'} />
      {org.role !== 'viewer' && <ProjectWebTester orgId={org.id} projectId={projectId} webTest={project.data!.webTest} />}
      <ProjectMcpAccess orgId={org.id} projectId={projectId} canEdit={org.role !== 'viewer'} />
      {(org.role === 'owner' || org.role === 'admin') && (
        <Card title="Delete this project">
          <p className="mb-3 text-sm text-slate-600">Removes the project with its specs, runs and pull requests from Nightshift. The repository itself is not touched.</p>
          <DeleteProject project={project.data!} />
        </Card>
      )}
    </div>
  );
}
