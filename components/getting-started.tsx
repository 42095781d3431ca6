'use client';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { trpc } from './trpc';
import { useOrg } from './org-context';

/**
 * The first-run checklist: connect a model → add a repository → write a spec → invite the team.
 * Each item ticks itself off from the organisation's real state (refetched when the page regains
 * focus or data changes); the list disappears once everything is done.
 */
export function GettingStarted() {
  const org = useOrg();
  const state = trpc.org.gettingStarted.useQuery({ orgId: org.id }, { refetchOnWindowFocus: true, refetchOnMount: 'always' });
  // The marker says which state the checklist is in (tests wait on it); it shows nothing itself.
  if (!state.data) return <div hidden data-getting-started="loading" />;
  const s = state.data;
  const isAdmin = org.role === 'owner' || org.role === 'admin';
  const base = `/o/${org.slug}`;
  const items: Array<{ key: string; done: boolean; title: string; detail: ReactNode }> = [
    {
      key: 'model',
      done: s.model.done,
      title: 'Connect a model',
      detail: s.model.done ? (
        <>
          Runs use <code>{s.model.model}</code>
          {s.model.source === 'server' ? ', provided by this server' : ''}.{' '}
          <Link className="text-indigo-700 underline" href={`${base}/settings/models`}>
            Models
          </Link>
        </>
      ) : (
        <>
          Nightshift uses Anthropic by default (<code>{s.model.anthropicDefault}</code>): add an Anthropic key, or connect OpenAI, an OpenAI-compatible
          server or Ollama, in{' '}
          <Link className="text-indigo-700 underline" href={`${base}/settings/models`}>
            Settings → Models
          </Link>
          {!isAdmin && ' (an admin does this)'}.
        </>
      ),
    },
    {
      key: 'repository',
      done: s.repository.done,
      title: 'Add a repository',
      detail: s.repository.firstProject ? (
        <>
          <Link className="text-indigo-700 underline" href={`${base}/projects/${s.repository.firstProject.id}`}>
            {s.repository.firstProject.name}
          </Link>{' '}
          is checked and ready.
        </>
      ) : (
        <>
          A project points Nightshift at a git repository (a local path or a URL):{' '}
          <Link className="text-indigo-700 underline" href={`${base}/projects?new=1`}>
            New project
          </Link>
          .
        </>
      ),
    },
    {
      key: 'spec',
      done: s.spec.done,
      title: 'Write a spec',
      detail: s.repository.firstProject ? (
        <>
          Say what to build; the editor scores it as you type.{' '}
          {!s.spec.done && (
            <Link className="text-indigo-700 underline" href={`${base}/projects/${s.repository.firstProject.id}/specs/new`}>
              New spec
            </Link>
          )}
        </>
      ) : (
        'After adding a repository: say what to build; the editor scores it as you type.'
      ),
    },
    {
      key: 'team',
      done: s.team.done,
      title: 'Invite the team',
      detail: (
        <>
          Review pull requests and write specs together.{' '}
          <Link className="text-indigo-700 underline" href={`${base}/members`}>
            {isAdmin ? 'Invite someone' : 'Members'}
          </Link>
        </>
      ),
    },
  ];
  const done = items.filter((i) => i.done).length;
  if (done === items.length) return <div hidden data-getting-started="done" />;
  return (
    <section aria-labelledby="getting-started-title" data-getting-started="open" className="rounded-lg border border-indigo-200 bg-indigo-50/60 p-5">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="getting-started-title" className="text-lg font-semibold">
          Getting started
        </h2>
        <p role="status" aria-label="Getting started progress" className="text-sm text-slate-600">
          {done} of {items.length} done
        </p>
      </div>
      <ol aria-label="Getting started" className="flex flex-col gap-3">
        {items.map((item, i) => (
          <li key={item.key} data-done={item.done ? 'true' : 'false'} className="flex gap-3">
            <span
              aria-hidden="true"
              className={`mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-sm font-semibold ${item.done ? 'bg-green-600 text-white' : 'border border-slate-400 bg-white text-slate-600'}`}
            >
              {item.done ? '✓' : i + 1}
            </span>
            <div className="min-w-0">
              <p className={`font-medium ${item.done ? 'text-slate-500 line-through decoration-slate-400' : ''}`}>
                <span className="sr-only">{item.done ? 'Done: ' : 'To do: '}</span>
                {item.title}
              </p>
              <p className="text-sm text-slate-700">{item.detail}</p>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
