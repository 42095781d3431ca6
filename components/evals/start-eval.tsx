'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, ErrorMessage, Field } from '../ui/form';

/** Starts an eval of the built-in suite (queued as a job; the list shows it as it runs). */
export function StartEval({ orgId, suite, onStarted }: { orgId: string; suite: { name: string; tasks: unknown[] } | undefined; onStarted: (id: string) => void }) {
  const [model, setModel] = useState('');
  const [mode, setMode] = useState<'agent' | 'pipeline'>('agent');
  const [repeat, setRepeat] = useState(1);
  const utils = trpc.useUtils();
  const start = trpc.evals.start.useMutation({
    onSuccess: async (r) => {
      await utils.evals.list.invalidate();
      onStarted(r.id);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate({ orgId, model: model.trim(), mode, repeat });
  };
  const fieldError = (start.error?.data as { zod?: { fieldErrors?: Record<string, string[] | undefined> } | null } | undefined)?.zod?.fieldErrors;
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-4" aria-label="Start an eval">
      <div className="min-w-64 flex-1">
        <Field
          label="Model"
          name="model"
          placeholder="anthropic:claude-sonnet-4-5"
          value={model}
          onChange={(e) => setModel(e.target.value)}
          required
          hint="provider:model; the organisation's keys and base URLs are used"
          error={fieldError?.model?.[0]}
        />
      </div>
      <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
        Mode
        <select className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm" value={mode} onChange={(e) => setMode(e.target.value as 'agent' | 'pipeline')}>
          <option value="agent">agent (developer only)</option>
          <option value="pipeline">pipeline (four roles)</option>
        </select>
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
        Repeat
        <input className="w-20 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm" type="number" min={1} max={20} value={repeat} onChange={(e) => setRepeat(Math.max(1, Number(e.target.value) || 1))} />
      </label>
      <Button type="submit" disabled={start.isPending || !model.trim()}>
        {start.isPending ? 'Starting…' : `Run ${suite ? `${suite.tasks.length * repeat} attempts` : 'eval'}`}
      </Button>
      {start.error && !fieldError && <ErrorMessage>{start.error.message}</ErrorMessage>}
    </form>
  );
}
