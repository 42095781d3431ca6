'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Empty, ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { GettingStarted } from '@/components/getting-started';
import { NewProjectForm } from '@/components/project/project-form';

export default function ProjectsPage() {
  const org = useOrg();
  const projects = trpc.project.list.useQuery({ orgId: org.id });
  const [open, setOpen] = useState(false);
  const canCreate = org.role !== 'viewer';
  usePageTitle(['Projects', org.name]);
  // "New project" links (the checklist's) open the form: /projects?new=1.
  useEffect(() => {
    if (canCreate && new URLSearchParams(window.location.search).get('new') === '1') setOpen(true);
  }, [canCreate]);

  return (
    <div className="flex flex-col gap-6">
      <Breadcrumbs items={[{ label: org.name, href: `/o/${org.slug}/dashboard` }, { label: 'Projects' }]} />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Projects</h1>
        {canCreate && !open && <Button onClick={() => setOpen(true)}>New project</Button>}
      </div>
      <GettingStarted />
      {open && <NewProjectForm onCancel={() => setOpen(false)} />}
      {projects.isLoading && <Loading />}
      {projects.error && <ErrorMessage>{projects.error.message}</ErrorMessage>}
      {projects.data?.length === 0 && <Empty>No projects yet. A project points Nightshift at a repository.</Empty>}
      {!!projects.data?.length && (
        <ul aria-label="Projects" className="grid gap-3 sm:grid-cols-2">
          {projects.data.map((p) => (
            <li key={p.id} className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
              <h2 className="font-semibold">
                <Link href={`/o/${org.slug}/projects/${p.id}`} className="hover:underline">
                  {p.name}
                </Link>
              </h2>
              <p className="truncate font-mono text-xs text-slate-600" title={p.repository}>
                {p.repository}
              </p>
              <p className="text-xs text-slate-500">default branch: {p.defaultBranch}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
