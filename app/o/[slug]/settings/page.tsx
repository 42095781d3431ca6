'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Card, ErrorMessage, Field, Loading } from '@/components/ui/form';
import { Billing, GitHubConnection, McpServers, NotificationChannels } from '@/components/settings/integrations';
import { AgentSettings } from '@/components/settings/agent-settings';
import { PackageRegistries } from '@/components/settings/registries';
import { AccountSettings } from '@/components/settings/account';
import { RecordingRetention } from '@/components/settings/recordings';
import { usePageTitle } from '@/components/ui/page-header';

export default function SettingsPage() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const isAdmin = org.role === 'owner' || org.role === 'admin';
  usePageTitle(['Settings', org.name]);
  const secrets = trpc.secret.list.useQuery({ orgId: org.id }, { enabled: isAdmin });
  const tokens = trpc.apiToken.list.useQuery({ orgId: org.id }, { enabled: isAdmin });
  const setSecret = trpc.secret.set.useMutation({ onSuccess: () => utils.secret.list.invalidate({ orgId: org.id }) });
  const createToken = trpc.apiToken.create.useMutation({ onSuccess: () => utils.apiToken.list.invalidate({ orgId: org.id }) });
  const [secretError, setSecretError] = useState<string | null>(null);
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [newToken, setNewToken] = useState<string | null>(null);

  if (!isAdmin) {
    return (
      <div className="flex flex-col gap-6">
        <h1 className="text-2xl font-semibold">Settings</h1>
        <p>The organization&apos;s settings are managed by its admins.</p>
        <AccountSettings />
      </div>
    );
  }

  async function onSecret(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setSecretError(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    try {
      await setSecret.mutateAsync({ orgId: org.id, name: String(form.get('name')), value: String(form.get('value')) });
      el.reset();
    } catch (err) {
      setSecretError((err as Error).message);
    }
  }
  async function onToken(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTokenError(null);
    try {
      const res = await createToken.mutateAsync({ orgId: org.id, name: String(new FormData(e.currentTarget).get('name')) });
      setNewToken(res.token);
    } catch (err) {
      setTokenError((err as Error).message);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Settings</h1>
      <Card title="Secrets and model provider keys">
        <p className="mb-3 text-sm text-slate-600">Encrypted at rest and write-only: values are never shown again, never sent to a sandbox, a prompt or a log.</p>
        <form onSubmit={onSecret} className="flex flex-wrap items-end gap-3">
          <Field label="Secret name" name="name" placeholder="ANTHROPIC_API_KEY" required />
          <Field label="Secret value" name="value" type="password" autoComplete="off" required />
          <Button type="submit" disabled={setSecret.isPending}>
            Save secret
          </Button>
        </form>
        <ErrorMessage>{secretError}</ErrorMessage>
        {secrets.isLoading && <Loading />}
        <ul aria-label="Secrets" className="mt-3 text-sm">
          {secrets.data?.map((s) => (
            <li key={s.id} className="font-mono">
              {s.name} <span className="text-slate-500">(updated {new Date(s.updatedAt).toLocaleString()})</span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="API tokens">
        <form onSubmit={onToken} className="flex flex-wrap items-end gap-3">
          <Field label="Token name" name="name" required />
          <Button type="submit" disabled={createToken.isPending}>
            Create token
          </Button>
        </form>
        <ErrorMessage>{tokenError}</ErrorMessage>
        {newToken && (
          <p className="mt-3 text-sm">
            Copy it now, it is shown once: <code className="break-all rounded bg-slate-100 px-1">{newToken}</code>
          </p>
        )}
        <ul className="mt-3 text-sm">
          {tokens.data?.map((t) => (
            <li key={t.id}>
              {t.name} <span className="font-mono text-slate-500">{t.prefix}…</span> {t.revokedAt ? '(revoked)' : ''}
            </li>
          ))}
        </ul>
      </Card>
      <PackageRegistries orgId={org.id} />
      <AgentSettings orgId={org.id} />
      <RecordingRetention orgId={org.id} />
      <NotificationChannels orgId={org.id} />
      <GitHubConnection orgId={org.id} />
      <McpServers orgId={org.id} />
      <Billing orgId={org.id} />
      <AccountSettings />
    </div>
  );
}
