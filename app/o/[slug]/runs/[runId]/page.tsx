'use client';
import { use, useEffect, useMemo, useState, type FormEvent } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { useRunEvents } from '@/components/run/use-run-events';
import { TaskStream } from '@/components/run/task-stream';
import { PlanPreview } from '@/components/run/plan-preview';
import { PullRequestLinks } from '@/components/run/pull-request-links';
import { ReplayPlayer } from '@/components/run/replay-player';
import { Button, Card, ErrorMessage, Loading } from '@/components/ui/form';

const STATUS_STYLE: Record<string, string> = {
  succeeded: 'bg-emerald-100 text-emerald-900',
  running: 'bg-indigo-100 text-indigo-900',
  failed: 'bg-red-100 text-red-900',
  dead: 'bg-red-100 text-red-900',
  cancelled: 'bg-slate-200 text-slate-700',
};

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
  const current = selected ?? tasks.find((t) => t.status === 'running')?.id ?? tasks[0]?.id ?? null;
  const taskEvents = events.filter((e) => 'taskId' in e && e.taskId === current);

  if (run.isLoading) return <Loading />;
  if (run.error) return <ErrorMessage>{run.error.message}</ErrorMessage>;
  const r = run.data!;
  const active = !['succeeded', 'failed', 'cancelled'].includes(r.status);

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

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center gap-4">
        <h1 className="text-2xl font-semibold">Run {runId.slice(0, 8)}</h1>
        <span role="status" aria-label="Run status" className={`rounded px-2 py-0.5 text-sm ${STATUS_STYLE[r.status] ?? 'bg-slate-100'}`}>
          {r.status}
        </span>
        <span className="text-xs text-slate-500">{connected ? 'live' : 'reconnecting…'}</span>
        {r.error && <span className="text-sm text-red-700">{r.error}</span>}
        {active && org.role !== 'viewer' && (
          <Button variant="secondary" onClick={() => cancel.mutate({ orgId: org.id, runId })}>
            Cancel run
          </Button>
        )}
      </div>
      {r.status === 'queued' && (
        <Card
          title="Plan preview"
          actions={
            org.role !== 'viewer' && (
              <Button disabled={start.isPending} onClick={() => start.mutate({ orgId: org.id, runId })}>
                Start run
              </Button>
            )
          }
        >
          <PlanPreview plan={r.plan as Record<string, unknown>} forecast={r.forecast as never} tasks={tasks} />
          <ErrorMessage>{start.error?.message}</ErrorMessage>
        </Card>
      )}
      <Card title="Waves">
        <ol aria-label="Waves" className="flex flex-wrap gap-4">
          {r.waves.map((wave, i) => (
            <li key={i} className="flex flex-col gap-1">
              <span className="text-xs font-semibold text-slate-500">
                Wave {i + 1} · {wave.filter((t) => t.status === 'succeeded').length}/{wave.length}
              </span>
              {wave.map((t) => (
                <button
                  key={t.id}
                  onClick={() => setSelected(t.id)}
                  aria-pressed={current === t.id}
                  className={`rounded border px-2 py-1 text-left text-sm ${current === t.id ? 'border-indigo-500' : 'border-slate-200'} ${STATUS_STYLE[t.status] ?? 'bg-white'}`}
                >
                  {t.key}: {t.title} — {t.status}
                </button>
              ))}
            </li>
          ))}
        </ol>
      </Card>
      <Card title="Live agent stream">
        <TaskStream events={taskEvents} />
        {active && current && (
          <form onSubmit={onChat} className="mt-4 flex gap-2">
            <label className="sr-only" htmlFor="chat">
              Message to the agent
            </label>
            <input
              id="chat"
              aria-label="Message to the agent"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="Steer the agent: it reads this on its next turn"
              className="flex-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
            <Button type="submit" disabled={!text.trim() || send.isPending}>
              Send
            </Button>
          </form>
        )}
        <ErrorMessage>{chatError}</ErrorMessage>
      </Card>
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
      <Card title="Pull requests">
        <PullRequestLinks orgSlug={org.slug} label="Pull requests of this run" emptyText="None yet." pullRequests={prs.data} loading={prs.isLoading} />
      </Card>
    </div>
  );
}
