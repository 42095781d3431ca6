'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ConfirmButton, CopyButton, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** API tokens: created with a name and shown once (with a copy button), listed by prefix, revoked. */
export function ApiTokens({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const tokens = trpc.apiToken.list.useQuery({ orgId });
  const refresh = () => utils.apiToken.list.invalidate({ orgId });
  const create = trpc.apiToken.create.useMutation({ onSuccess: refresh });
  const revoke = trpc.apiToken.revoke.useMutation({ onSuccess: refresh });
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const el = e.currentTarget;
    try {
      const res = await create.mutateAsync({ orgId, name: String(new FormData(el).get('name')) });
      setCreated({ name: res.name, token: res.token });
      el.reset();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="API tokens">
      <p className="mb-3 text-sm text-slate-600">
        For scripts and AI assistants: <code>Authorization: Bearer nst_…</code> on <code>/api/trpc</code> and the MCP endpoint <code>/api/mcp</code>. A
        token acts as a member of this organization; it is stored hashed, so it is shown only once.
      </p>
      <form onSubmit={onCreate} className="flex flex-wrap items-end gap-3" aria-label="Create a token">
        <Field label="Token name" name="name" placeholder="ci" required autoComplete="off" />
        <Button type="submit" disabled={create.isPending}>
          Create token
        </Button>
      </form>
      <ErrorMessage>{error ?? revoke.error?.message}</ErrorMessage>
      {created && (
        <div className="mt-3 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm">
          <p>
            Token <strong>{created.name}</strong> — copy it now, it is not shown again:
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code id="new-api-token" aria-label="New API token" className="min-w-0 break-all rounded bg-white px-2 py-1">
              {created.token}
            </code>
            <CopyButton value={created.token} label="Copy token" targetId="new-api-token" />
          </div>
        </div>
      )}
      <SavedMessage>{status}</SavedMessage>
      {tokens.isLoading && <Loading />}
      {tokens.data?.length === 0 && <Empty>No tokens yet.</Empty>}
      <ul aria-label="API tokens" className="mt-3 divide-y text-sm">
        {tokens.data?.map((t) => (
          <li key={t.id} className="flex flex-wrap items-center justify-between gap-3 py-2">
            <span className="min-w-0 break-words">
              <strong>{t.name}</strong> <span className="font-mono text-slate-500">{t.prefix}…</span>{' '}
              <span className="text-slate-500">
                created {new Date(t.createdAt).toLocaleDateString()} · {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}
              </span>{' '}
              {t.revokedAt && <span className="font-medium text-red-700">revoked {new Date(t.revokedAt).toLocaleDateString()}</span>}
            </span>
            {!t.revokedAt && (
              <ConfirmButton
                label="Revoke"
                accessibleName={`Revoke token ${t.name}`}
                confirmLabel={`Revoke ${t.name}`}
                disabled={revoke.isPending}
                onConfirm={async () => {
                  setStatus(null);
                  await revoke.mutateAsync({ orgId, tokenId: t.id }).then(
                    () => setStatus(`Token ${t.name} revoked: it no longer authenticates.`),
                    () => undefined,
                  );
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}
