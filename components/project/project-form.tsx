'use client';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { trpc } from '../trpc';
import { useOrg } from '../org-context';
import { Button, Card, ConfirmButton, ErrorMessage, Field, SavedMessage } from '../ui/form';

/** How long typing must pause before the repository is checked (leaving the field checks at once). */
const CHECK_AFTER_MS = 600;

type Check = { state: 'idle' } | { state: 'checking'; value: string } | { state: 'ok'; value: string; defaultBranch: string; local: boolean } | { state: 'error'; value: string; message: string };

/**
 * The repository field, checked where it is typed: the local-path policy (its one message), then
 * whether the repository answers and which branch is its default. The check runs when typing
 * pauses and when the field is left; a stale answer (for text since changed) is dropped.
 */
function useRepositoryCheck(orgId: string) {
  const check = trpc.project.checkRepository.useMutation();
  const [result, setResult] = useState<Check>({ state: 'idle' });
  const latest = useRef('');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  async function run(value: string) {
    clearTimeout(timer.current);
    const v = value.trim();
    latest.current = v;
    if (!v) return setResult({ state: 'idle' });
    if ((result.state === 'ok' || result.state === 'error' || result.state === 'checking') && result.value === v) return;
    setResult({ state: 'checking', value: v });
    try {
      const r = await check.mutateAsync({ orgId, repository: v });
      if (latest.current === v) setResult({ state: 'ok', value: v, defaultBranch: r.defaultBranch, local: r.local });
    } catch (err) {
      if (latest.current === v) setResult({ state: 'error', value: v, message: (err as Error).message.replace(/^repository: /, '') });
    }
  }
  return {
    result,
    onChange(value: string) {
      latest.current = value.trim();
      clearTimeout(timer.current);
      if (result.state !== 'idle' && (result as { value?: string }).value !== value.trim()) setResult({ state: 'idle' });
      timer.current = setTimeout(() => void run(value), CHECK_AFTER_MS);
    },
    onBlur(value: string) {
      void run(value);
    },
  };
}

function RepositoryField({ defaultValue, check }: { defaultValue?: string; check: ReturnType<typeof useRepositoryCheck> }) {
  const r = check.result;
  const lineId = useId();
  // One line under the field says what is known (the hint, checking, reachable, or the problem),
  // two lines tall from the start: the buttons below never move while a check answers (a click
  // that leaves the field starts a check, and a shifting button would lose that click).
  return (
    <div className="flex flex-col gap-1">
      <Field
        label="Repository"
        name="repository"
        defaultValue={defaultValue}
        placeholder="/srv/code/app or https://github.com/acme/app.git"
        aria-invalid={r.state === 'error' ? true : undefined}
        aria-describedby={lineId}
        required
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => check.onChange(e.currentTarget.value)}
        onBlur={(e) => check.onBlur(e.currentTarget.value)}
      />
      <p id={lineId} role="status" className="min-h-8 text-xs">
        {r.state === 'idle' && <span className="text-slate-500">An absolute local path or a git URL; checked as you type.</span>}
        {r.state === 'checking' && <span className="text-slate-500">Checking the repository…</span>}
        {r.state === 'ok' && (
          <span className="text-green-800">
            ✓ Reachable{r.local ? ' (local)' : ''} · default branch <code>{r.defaultBranch}</code>
          </span>
        )}
        {r.state === 'error' && <span className="text-red-700">{r.message}</span>}
      </p>
    </div>
  );
}

/** New project: name, repository (checked as typed), default branch (detected unless named); opens the project once created. */
export function NewProjectForm({ onCancel }: { onCancel: () => void }) {
  const org = useOrg();
  const router = useRouter();
  const utils = trpc.useUtils();
  const create = trpc.project.create.useMutation({
    onSuccess: () => Promise.all([utils.project.list.invalidate({ orgId: org.id }), utils.org.gettingStarted.invalidate({ orgId: org.id })]),
  });
  const check = useRepositoryCheck(org.id);
  const [error, setError] = useState<string | null>(null);
  const detected = check.result.state === 'ok' ? check.result.defaultBranch : null;

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    try {
      const project = await create.mutateAsync({
        orgId: org.id,
        name: String(form.get('name')),
        repository: String(form.get('repository')),
        defaultBranch: String(form.get('defaultBranch') || '').trim() || undefined,
      });
      router.push(`/o/${org.slug}/projects/${project.id}`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="New project">
      <form onSubmit={onSubmit} className="flex max-w-lg flex-col gap-4" aria-label="New project">
        <Field label="Project name" name="name" required autoComplete="off" />
        <RepositoryField check={check} />
        <Field
          label="Default branch"
          name="defaultBranch"
          placeholder={detected ?? 'detected from the repository'}
          hint="Leave blank to use the repository’s default branch. Runs branch off it and pull requests target it."
          autoComplete="off"
        />
        <ErrorMessage>{error}</ErrorMessage>
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Checking and creating…' : 'Create project'}
          </Button>
          <Button type="button" variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

type ProjectInfo = { id: string; name: string; repository: string; defaultBranch: string };

/** Edit a project's name, repository and default branch (a changed repository or branch is checked again). */
export function EditProjectForm({ project, onDone }: { project: ProjectInfo; onDone: (message: string | null) => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const update = trpc.project.update.useMutation({
    onSuccess: () => Promise.all([utils.project.get.invalidate({ orgId: org.id, projectId: project.id }), utils.project.list.invalidate({ orgId: org.id }), utils.project.health.invalidate({ orgId: org.id, projectId: project.id })]),
  });
  const check = useRepositoryCheck(org.id);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    const repository = String(form.get('repository') ?? '').trim();
    const defaultBranch = String(form.get('defaultBranch') ?? '').trim();
    try {
      await update.mutateAsync({
        orgId: org.id,
        projectId: project.id,
        ...(name !== project.name ? { name } : {}),
        ...(repository !== project.repository ? { repository } : {}),
        ...(defaultBranch && defaultBranch !== project.defaultBranch ? { defaultBranch } : {}),
      });
      onDone('Project saved.');
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Edit project">
      <form onSubmit={onSubmit} className="flex max-w-lg flex-col gap-4" aria-label="Edit project">
        <Field label="Project name" name="name" defaultValue={project.name} required autoComplete="off" />
        <RepositoryField defaultValue={project.repository} check={check} />
        <Field label="Default branch" name="defaultBranch" defaultValue={project.defaultBranch} required autoComplete="off" />
        <ErrorMessage>{error}</ErrorMessage>
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={update.isPending}>
            Save project
          </Button>
          <Button type="button" variant="secondary" onClick={() => onDone(null)}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** Reachable, default branch, last fetch on this server — re-checked on demand. */
export function ProjectHealth({ projectId }: { projectId: string }) {
  const org = useOrg();
  const health = trpc.project.health.useQuery({ orgId: org.id, projectId }, { staleTime: 60_000 });
  if (health.isLoading) return <p className="text-sm text-slate-500">Checking the repository…</p>;
  if (health.error) return <p className="text-sm text-red-800">{health.error.message}</p>;
  const h = health.data!;
  return (
    <p role="status" aria-label="Project health" className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      {h.reachable ? <span className="text-green-800">● Reachable</span> : <span className="text-red-800">● Not reachable: {h.error}</span>}
      <span>
        default branch <code>{h.defaultBranch}</code>
        {h.branchExists === false && <span className="text-red-800"> (missing in the repository)</span>}
        {h.upstreamDefaultBranch && h.upstreamDefaultBranch !== h.defaultBranch && <span className="text-slate-500"> (the repository’s own is {h.upstreamDefaultBranch})</span>}
      </span>
      <span className="text-slate-600">{h.lastFetchAt ? `last fetched ${new Date(h.lastFetchAt).toLocaleString()}` : 'not fetched on this server yet'}</span>
      <button type="button" className="text-indigo-700 underline" onClick={() => void health.refetch()} disabled={health.isFetching}>
        {health.isFetching ? 'Checking…' : 'Check again'}
      </button>
    </p>
  );
}

/** Delete, for admins, asked twice; the repository itself is not touched. */
export function DeleteProject({ project }: { project: ProjectInfo }) {
  const org = useOrg();
  const router = useRouter();
  const utils = trpc.useUtils();
  const remove = trpc.project.delete.useMutation({ onSuccess: () => Promise.all([utils.project.list.invalidate({ orgId: org.id }), utils.org.gettingStarted.invalidate({ orgId: org.id })]) });
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex flex-col items-start gap-2">
      <ConfirmButton
        label="Delete project"
        confirmLabel={`Delete ${project.name}, its specs, runs and pull requests`}
        disabled={remove.isPending}
        onConfirm={async () => {
          setError(null);
          try {
            await remove.mutateAsync({ orgId: org.id, projectId: project.id });
            router.push(`/o/${org.slug}/projects`);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{null}</SavedMessage>
    </div>
  );
}
