'use client';
import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Card, Empty, ErrorMessage, Field, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';

export default function ProjectsPage() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const projects = trpc.project.list.useQuery({ orgId: org.id });
  const create = trpc.project.create.useMutation({ onSuccess: () => utils.project.list.invalidate({ orgId: org.id }) });
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const canCreate = org.role !== 'viewer';
  usePageTitle(['Projects', org.name]);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    try {
      await create.mutateAsync({
        orgId: org.id,
        name: String(form.get('name')),
        repository: String(form.get('repository')),
        defaultBranch: String(form.get('defaultBranch') || '') || undefined,
      });
      setOpen(false);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <Breadcrumbs items={[{ label: org.name, href: `/o/${org.slug}/dashboard` }, { label: 'Projects' }]} />
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Projects</h1>
        {canCreate && !open && <Button onClick={() => setOpen(true)}>New project</Button>}
      </div>
      {open && (
        <Card title="New project">
          <form onSubmit={onSubmit} className="flex max-w-lg flex-col gap-4">
            <Field label="Project name" name="name" required />
            <Field label="Repository" name="repository" placeholder="/srv/code/app or https://github.com/acme/app.git" hint="An absolute local path or a git URL." required />
            <Field label="Default branch" name="defaultBranch" placeholder="main" />
            <ErrorMessage>{error}</ErrorMessage>
            <div className="flex gap-2">
              <Button type="submit" disabled={create.isPending}>
                Create project
              </Button>
              <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
                Cancel
              </Button>
            </div>
          </form>
        </Card>
      )}
      {projects.isLoading && <Loading />}
      {projects.error && <ErrorMessage>{projects.error.message}</ErrorMessage>}
      {projects.data?.length === 0 && <Empty>No projects yet. A project points Nightshift at a repository.</Empty>}
      {!!projects.data?.length && (
        <ul aria-label="Projects" className="grid gap-3 sm:grid-cols-2">
          {projects.data.map((p) => (
            <li key={p.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
              <h2 className="font-semibold">
                <Link href={`/o/${org.slug}/projects/${p.id}`} className="hover:underline">
                  {p.name}
                </Link>
              </h2>
              <p className="truncate font-mono text-xs text-slate-600">{p.repository}</p>
              <p className="text-xs text-slate-500">default branch: {p.defaultBranch}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
