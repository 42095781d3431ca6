'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ConfirmButton, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** Every secret of the organisation by name (never its value), a form to set one, and delete. */
export function Secrets({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const secrets = trpc.secret.list.useQuery({ orgId });
  const refresh = () => Promise.all([utils.secret.list.invalidate({ orgId }), utils.models.providers.invalidate({ orgId })]);
  const setSecret = trpc.secret.set.useMutation({ onSuccess: refresh });
  const remove = trpc.secret.delete.useMutation({ onSuccess: refresh });
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  async function onSecret(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    try {
      const saved = await setSecret.mutateAsync({ orgId, name: String(form.get('name')), value: String(form.get('value')) });
      el.reset();
      setStatus(`Secret ${saved.name} saved.`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Secrets">
      <p className="mb-3 text-sm text-slate-600">
        Encrypted at rest and write-only: values are never shown again, never sent to a sandbox, a prompt or a log. Model keys are easier to set under
        Models, GitHub’s under GitHub; registry tokens (e.g. <code>NPM_TOKEN</code>) are named under Package registries.
      </p>
      <form onSubmit={onSecret} className="flex flex-wrap items-end gap-3" aria-label="Set a secret">
        <Field label="Secret name" name="name" placeholder="NPM_TOKEN" hint="UPPER_SNAKE_CASE; saving an existing name replaces its value." required autoComplete="off" />
        <Field label="Secret value" name="value" type="password" autoComplete="off" required />
        <Button type="submit" disabled={setSecret.isPending}>
          Save secret
        </Button>
      </form>
      <ErrorMessage>{error ?? remove.error?.message}</ErrorMessage>
      <SavedMessage>{status}</SavedMessage>
      {secrets.isLoading && <Loading />}
      {secrets.data?.length === 0 && <Empty>No secrets yet.</Empty>}
      <ul aria-label="Secrets" className="mt-3 divide-y text-sm">
        {secrets.data?.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 py-2">
            <span className="min-w-0 break-all">
              <span className="font-mono">{s.name}</span> <span className="text-slate-500">updated {new Date(s.updatedAt).toLocaleString()}</span>
            </span>
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete secret ${s.name}`}
              confirmLabel={`Delete ${s.name}`}
              disabled={remove.isPending}
              onConfirm={async () => {
                setStatus(null);
                await remove.mutateAsync({ orgId, secretId: s.id }).then(
                  () => setStatus(`Secret ${s.name} deleted.`),
                  () => undefined,
                );
              }}
            />
          </li>
        ))}
      </ul>
    </Card>
  );
}
