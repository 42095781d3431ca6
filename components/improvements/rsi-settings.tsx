'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, ErrorMessage, Field, SavedMessage } from '../ui/form';

type Settings = {
  enabled: boolean;
  intervalMinutes: number;
  windowDays: number;
  model: string | null;
  evalModel: string | null;
  evalSuite: 'builtin' | 'challenges';
  evalMode: 'agent' | 'pipeline';
  autoAdopt: boolean;
  maxProposals: number;
};

/** The reporter's schedule, its model, the calibration suite and whether a passed proposal is adopted on its own. */
export function RsiSettingsForm({ orgId, canEdit }: { orgId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const current = trpc.rsi.settings.useQuery({ orgId });
  const [form, setForm] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (current.data && !form) setForm(current.data as Settings);
  }, [current.data, form]);
  const save = trpc.rsi.setSettings.useMutation({
    onSuccess: async (s) => {
      setForm(s as Settings);
      setSaved(true);
      await utils.rsi.settings.invalidate();
    },
  });
  if (!form) return null;
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => {
    setSaved(false);
    setForm({ ...form, [k]: v });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ orgId, ...form, model: form.model?.trim() || null, evalModel: form.evalModel?.trim() || null });
  };
  const select = 'rounded-md border border-slate-300 bg-white px-3 py-2 text-sm';
  return (
    <form onSubmit={submit} aria-label="Self-improvement settings" className="flex flex-col gap-4">
      <fieldset disabled={!canEdit} className="grid gap-4 sm:grid-cols-3">
        <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Run the reporter on a schedule
        </label>
        <Field label="Every (minutes)" name="intervalMinutes" type="number" value={form.intervalMinutes} onChange={(e) => set('intervalMinutes', Number(e.target.value))} hint="default 60, at least 5" />
        <Field label="Mine the last (days)" name="windowDays" type="number" value={form.windowDays} onChange={(e) => set('windowDays', Number(e.target.value))} />
        <Field
          label="Reporter model"
          name="model"
          placeholder="anthropic:claude-sonnet-4-5"
          value={form.model ?? ''}
          onChange={(e) => set('model', e.target.value)}
          hint="none: observations only, no proposals"
        />
        <Field label="Calibration model" name="evalModel" placeholder="the reporter's model" value={form.evalModel ?? ''} onChange={(e) => set('evalModel', e.target.value)} />
        <Field label="Proposals per cycle" name="maxProposals" type="number" value={form.maxProposals} onChange={(e) => set('maxProposals', Number(e.target.value))} />
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Calibration suite
          <select className={select} value={form.evalSuite} onChange={(e) => set('evalSuite', e.target.value as Settings['evalSuite'])}>
            <option value="builtin">built-in suite</option>
            <option value="challenges">adopted eval challenges</option>
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Calibration mode
          <select className={select} value={form.evalMode} onChange={(e) => set('evalMode', e.target.value as Settings['evalMode'])}>
            <option value="agent">agent (developer only)</option>
            <option value="pipeline">pipeline (four roles)</option>
          </select>
        </label>
        <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
          <input type="checkbox" checked={form.autoAdopt} onChange={(e) => set('autoAdopt', e.target.checked)} />
          Adopt a proposal whose calibration passed without waiting for approval
        </label>
      </fieldset>
      {canEdit ? (
        <div>
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save settings'}
          </Button>
        </div>
      ) : (
        <p className="text-xs text-slate-500">Only admins change these settings.</p>
      )}
      <ErrorMessage>{save.error ? errorText(save.error) : null}</ErrorMessage>
      <SavedMessage>{saved ? 'Saved.' : null}</SavedMessage>
    </form>
  );
}

/** A refused save in words: the fields' messages when the input was invalid, else the server's. */
function errorText(error: { message: string; data?: unknown }): string {
  const fields = (error.data as { zod?: { fieldErrors?: Record<string, string[] | undefined> } | null } | undefined)?.zod?.fieldErrors;
  const messages = fields ? Object.values(fields).flatMap((m) => m ?? []) : [];
  return messages.length ? messages.join('; ') : error.message;
}
