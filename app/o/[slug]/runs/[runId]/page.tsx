'use client';
import { use, useEffect, useMemo, useState, type FormEvent } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { useRunEvents } from '@/components/run/use-run-events';
import { TaskStream } from '@/components/run/task-stream';
import { PlanPreview } from '@/components/run/plan-preview';
import { PullRequestLinks } from '@/components/run/pull-request-links';
import { ReplayPlayer } from '@/components/run/replay-player';
import { RoleStepper, useNow } from '@/components/run/role-stepper';
import { taskTimeline, formatElapsed } from '@/components/run/timeline';
import { plural } from '@/components/run/steps';
import { RunStatusBadge, TaskStatusBadge } from '@/components/run/status-badge';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { Button, Card, ErrorMessage, Loading } from '@/components/ui/form';

const FINISHED = ['succeeded', 'failed', 'cancelled'];

export default function RunPage({ params, searchParams }: { params: Promise<{ runId: string }>; searchParams: Promise<{ task?: string; record?: string }> }) {
  const { runId } = use(params);
  // A verification report's evidence link: ?task=<task id>&record=<seq>#recording opens the Replay there.
  const linked = use(searchParams);
  const org = useOrg();
  const run = trpc.run.get.useQuery({ orgId: org.id, runId });
  const prs = trpc.run.pullRequests.useQuery({ orgId: org.id, runId });
  const recordings = trpc.recording.tasks.useQuery({ orgId: org.id, runId });
  const { events, connected } = useRunEvents(runId);
  const [selected, setSelected] = useState<string | null>(typeof linked.task === 'string' ? linked.task : null);
  const [text, setText] = useState('');
  const [chatError, setChatError] = useState<string | null>(null);
  const send = trpc.chat.send.useMutation();
  const cancel = trpc.run.cancel.useMutation({ onSuccess: () => run.refetch() });
  const start = trpc.run.start.useMutation({ onSuccess: () => run.refetch() });

  // Status changes arrive as events; the run's row is re-read when one does.
  const statusEvents = events.filter((e) => e.type === 'run.status' || e.type === 'task.status' || e.type === 'pull-request.opened').length;
  useEffect(() => {
    if (statusEvents) {
      void run.refetch();
      void prs.refetch();
      void recordings.refetch();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [statusEvents]);

  const tasks = useMemo(() => run.data?.waves.flat() ?? [], [run.data]);
  const eventsByTask = useMemo(() => {
    const m = new Map<string, typeof events>();
    for (const e of events) {
      if (!('taskId' in e) || !e.taskId) continue;
      const list = m.get(e.taskId) ?? [];
      list.push(e);
      m.set(e.taskId, list);
    }
    return m;
  }, [events]);
  const current = selected ?? tasks.find((t) => t.status === 'running')?.id ?? tasks[0]?.id ?? null;
  const currentTask = tasks.find((t) => t.id === current) ?? null;
  const taskEvents = current ? eventsByTask.get(current) ?? [] : [];
  const timeline = useMemo(() => taskTimeline(taskEvents, currentTask?.status), [taskEvents, currentTask?.status]);

  const r = run.data;
  const active = r ? !FINISHED.includes(r.status) : false;
  const now = useNow(active && r?.status !== 'queued');
  usePageTitle(['Run', r?.specTitle ?? (r ? `Run ${runId.slice(0, 8)}` : null), org.name]);

  if (run.isLoading) return <Loading />;
  if (run.error) return <ErrorMessage>{run.error.message}</ErrorMessage>;
  if (!r) return null;

  async function onChat(e: FormEvent) {
    e.preventDefault();
    setChatError(null);
    try {
      await send.mutateAsync({ orgId: org.id, runId, taskId: current ?? undefined, text });
      setText('');
    } catch (err) {
      setChatError((err as Error).message);
    }
  }

  const title = r.specTitle ?? `Run ${runId.slice(0, 8)}`;
  const startedAt = r.startedAt ? new Date(r.startedAt).getTime() : null;
  const elapsed = startedAt ? (r.finishedAt ? new Date(r.finishedAt).getTime() : now) - startedAt : null;
  const tokens = Number(r.inputTokens) + Number(r.outputTokens);
  const projectHref = `/o/${org.slug}/projects/${r.projectId}`;
  const canAct = org.role !== 'viewer';

  return (
    <div className="flex min-w-0 flex-col gap-6">
      <div className="flex flex-col gap-2">
        <Breadcrumbs
          items={[
            { label: org.name, href: `/o/${org.slug}/dashboard` },
            { label: 'Projects', href: `/o/${org.slug}/projects` },
            { label: r.projectName ?? 'Project', href: projectHref },
            ...(r.specId && r.specTitle ? [{ label: r.specTitle, href: `${projectHref}/specs/${r.specId}` }] : []),
            { label: `Run ${runId.slice(0, 8)}` },
          ]}
        />
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="min-w-0 break-words text-2xl font-semibold">{title}</h1>
          <RunStatusBadge status={r.status} label="Run status" />
          <span className="text-xs text-slate-500">{connected ? 'live' : 'reconnecting…'}</span>
          {active && canAct && r.status !== 'queued' && (
            <Button variant="secondary" onClick={() => cancel.mutate({ orgId: org.id, runId })} disabled={cancel.isPending}>
              Cancel run
            </Button>
          )}
        </div>
        <p className="text-sm text-slate-600">
          Run of <strong>{r.specTitle ?? 'a spec'}</strong> in <strong>{r.projectName ?? 'its project'}</strong> · {plural(tasks.length, 'task')} · {r.model}
          {elapsed !== null && <> · {formatElapsed(elapsed)}{r.finishedAt ? '' : ' so far'}</>}
          {tokens > 0 && <> · {tokens.toLocaleString('en')} tokens</>}
          {Number(r.costUsd) > 0 && <> · ${Number(r.costUsd).toFixed(2)}</>}
        </p>
        {r.error && r.status !== 'cancelled' && <ErrorMessage>{r.error}</ErrorMessage>}
        <ErrorMessage>{cancel.error?.message}</ErrorMessage>
      </div>

      {r.status === 'queued' && (
        <Card
          title="Plan preview"
          actions={
            canAct && (
              <div className="flex flex-wrap items-center gap-3">
                <button type="button" className="text-sm text-slate-600 underline hover:text-red-700" onClick={() => cancel.mutate({ orgId: org.id, runId })} disabled={cancel.isPending}>
                  Cancel run
                </button>
                <button
                  type="button"
                  disabled={start.isPending}
                  onClick={() => start.mutate({ orgId: org.id, runId })}
                  className="rounded-md bg-indigo-600 px-5 py-2.5 text-base font-semibold text-white shadow hover:bg-indigo-700 disabled:bg-indigo-300"
                >
                  Start run
                </button>
              </div>
            )
          }
        >
          <p className="mb-3 text-sm text-slate-600">Nothing has run yet. Read the plan and the forecast, then start the run — or cancel it.</p>
          <PlanPreview plan={r.plan as Record<string, unknown>} forecast={r.forecast as never} tasks={tasks} model={r.model} />
          <ErrorMessage>{start.error?.message}</ErrorMessage>
        </Card>
      )}

      {r.status !== 'queued' && (
        <div className="grid min-w-0 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
          <Card title={currentTask ? `${currentTask.key}: ${currentTask.title}` : 'Agents'}>
            {currentTask && (
              <div className="mb-4">
                <RoleStepper taskKey={currentTask.key} timeline={timeline} />
              </div>
            )}
            <TaskStream events={taskEvents} working={timeline.working} />
            {active && current && canAct && (
              <form onSubmit={onChat} className="mt-4 flex flex-wrap gap-2">
                <label className="sr-only" htmlFor="chat">
                  Message to the agent
                </label>
                <input
                  id="chat"
                  aria-label="Message to the agent"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  placeholder="Steer the agent: it reads this on its next turn"
                  className="min-w-0 flex-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
                />
                <Button type="submit" disabled={!text.trim() || send.isPending}>
                  Send
                </Button>
              </form>
            )}
            <ErrorMessage>{chatError}</ErrorMessage>
          </Card>
          <div className="flex min-w-0 flex-col gap-6">
            <Card title="Tasks">
              <ol aria-label="Waves" className="flex flex-col gap-4">
                {r.waves.map((wave, i) => (
                  <li key={i} className="flex flex-col gap-2">
                    <span className="text-xs font-semibold text-slate-500">
                      Wave {i + 1} · {wave.filter((t) => t.status === 'succeeded').length}/{wave.length} done
                    </span>
                    <ul className="flex flex-col gap-2">
                      {wave.map((t) => (
                        <li key={t.id}>
                          <button
                            onClick={() => setSelected(t.id)}
                            aria-pressed={current === t.id}
                            className={`flex w-full flex-col gap-1.5 rounded-md border px-2.5 py-2 text-left text-sm ${current === t.id ? 'border-indigo-500 bg-indigo-50/50' : 'border-slate-200 bg-white hover:border-slate-300'}`}
                          >
                            <span className="flex items-start justify-between gap-2">
                              <span className="min-w-0 break-words font-medium">
                                {t.key}: {t.title}
                              </span>
                              <TaskStatusBadge status={t.status} />
                            </span>
                            <RoleStepper compact taskKey={t.key} timeline={taskTimeline(eventsByTask.get(t.id) ?? [], t.status)} />
                            {t.error && t.status !== 'succeeded' && <span className="text-xs text-red-800">{t.error}</span>}
                          </button>
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ol>
            </Card>
            <Card title="Pull requests">
              <PullRequestLinks orgSlug={org.slug} label="Pull requests of this run" emptyText={active ? 'None yet: a task opens one when QA and review pass.' : 'None.'} pullRequests={prs.data} loading={prs.isLoading} />
            </Card>
          </div>
        </div>
      )}

      {r.status !== 'queued' && (
        <div id="recording">
          <Card title="Replay">
            {(() => {
              const recorded = recordings.data?.find((x) => x.taskId === current);
              if (recordings.error) return <ErrorMessage>{recordings.error.message}</ErrorMessage>;
              if (!current || recordings.isLoading) return <Loading />;
              if (!recorded) return <p className="text-sm text-slate-500">No recording of this task: it has not started, or its recording passed the organisation&apos;s retention period.</p>;
              const record = linked.task === current && linked.record && /^\d+$/.test(linked.record) ? Number(linked.record) : undefined;
              return <ReplayPlayer key={current} orgId={org.id} runId={runId} taskId={current} record={record} />;
            })()}
          </Card>
        </div>
      )}

      {r.status !== 'queued' && (
        <Card title="Plan">
          <PlanPreview plan={r.plan as Record<string, unknown>} forecast={r.forecast as never} tasks={tasks} model={r.model} actual={{ tokens, costUsd: Number(r.costUsd), finished: !active }} />
        </Card>
      )}
    </div>
  );
}
