'use client';
import { useState, type FormEvent } from 'react';
import { useOrg } from '../org-context';
import { trpc } from '../trpc';
import { Button, Card, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** How long the organisation's run recordings (model exchanges, tool calls, commands) are kept. */
export function RecordingRetention({ orgId }: { orgId: string }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const current = trpc.recording.retention.useQuery({ orgId });
  const save = trpc.recording.setRetention.useMutation({ onSuccess: () => utils.recording.retention.invalidate({ orgId }) });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const isAdmin = org.role === 'owner' || org.role === 'admin';

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const days = Number(new FormData(e.currentTarget).get('days'));
    try {
      await save.mutateAsync({ orgId, days });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Run recordings">
      <p className="mb-2 text-sm text-slate-600">
        Every run is recorded — each model exchange, tool call, sandbox command and checkpoint, with secrets removed — for the run page&apos;s Replay, the verification report&apos;s evidence links and
        <code className="mx-1">nightshift replay --run</code>. Older recordings are deleted.
      </p>
      {current.isLoading && <Loading />}
      {current.data && (
        <form onSubmit={onSubmit} className="flex items-end gap-2">
          <Field label="Keep recordings for (days)" name="days" type="number" min={1} max={3650} defaultValue={current.data.days} disabled={!isAdmin} hint={current.data.isDefault ? 'The default.' : undefined} />
          {isAdmin && (
            <Button type="submit" disabled={save.isPending}>
              Save
            </Button>
          )}
        </form>
      )}
      <ErrorMessage>{error ?? current.error?.message}</ErrorMessage>
      <SavedMessage>{saved ? 'Saved: older recordings are deleted now.' : null}</SavedMessage>
    </Card>
  );
}
