'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** Slack and Discord channels: where run notices go. Secrets (webhook URLs, bot tokens) are write-only. */
export function NotificationChannels({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const channels = trpc.integrations.channels.list.useQuery({ orgId });
  const create = trpc.integrations.channels.create.useMutation({ onSuccess: () => utils.integrations.channels.list.invalidate({ orgId }) });
  const test = trpc.integrations.channels.test.useMutation();
  const [error, setError] = useState<string | null>(null);
  const [kind, setKind] = useState<'slack-webhook' | 'discord-webhook'>('slack-webhook');

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const el = e.currentTarget;
    const f = new FormData(el);
    try {
      await create.mutateAsync({ orgId, channel: { kind, name: String(f.get('name')), webhookUrl: String(f.get('url')) } as never });
      el.reset();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Card title="Slack and Discord">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Channel kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} className="rounded-md border border-slate-300 bg-white px-2 py-2">
            <option value="slack-webhook">Slack incoming webhook</option>
            <option value="discord-webhook">Discord webhook</option>
          </select>
        </label>
        <Field label="Channel name" name="name" required />
        <Field label="Webhook URL" name="url" type="password" autoComplete="off" required />
        <Button type="submit" disabled={create.isPending}>
          Add channel
        </Button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      {channels.isLoading && <Loading />}
      {channels.data?.length === 0 && <Empty>No channels: runs are announced only in the app.</Empty>}
      <ul aria-label="Notification channels" className="mt-3 text-sm">
        {channels.data?.map((c) => (
          <li key={c.id} className="flex items-center gap-3 py-1">
            <span>
              {c.name} <span className="text-slate-500">({c.kind})</span>
            </span>
            <Button variant="secondary" onClick={() => test.mutate({ orgId, channelId: c.id })}>
              Send test
            </Button>
          </li>
        ))}
      </ul>
      {test.data && <p role="status" className="text-sm">{JSON.stringify(test.data)}</p>}
      <ErrorMessage>{test.error?.message}</ErrorMessage>
    </Card>
  );
}

/** MCP servers from presets (Sentry, Jira, Slack, GitHub) or a custom URL; projects choose which to use. */
export function McpServers({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const presets = trpc.mcp.presets.useQuery({ orgId });
  const servers = trpc.mcp.servers.list.useQuery({ orgId });
  const create = trpc.mcp.servers.create.useMutation({ onSuccess: () => utils.mcp.servers.list.invalidate({ orgId }) });
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const f = new FormData(e.currentTarget);
    const preset = String(f.get('preset'));
    const p = presets.data?.find((x) => x.id === preset);
    const secretName = p?.secrets?.[0]?.name;
    const secretValue = String(f.get('secret') || '');
    try {
      await create.mutateAsync({ orgId, name: String(f.get('name') || preset), preset: preset as never, ...(secretName && secretValue ? { secrets: { [secretName]: secretValue } } : {}) });
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Card title="MCP servers">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Preset
          <select name="preset" className="rounded-md border border-slate-300 bg-white px-2 py-2">
            {presets.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <Field label="Server name" name="name" />
        <Field label="Access token" name="secret" type="password" autoComplete="off" />
        <Button type="submit" disabled={create.isPending}>
          Add server
        </Button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      {servers.data?.length === 0 && <Empty>No MCP servers. Agents use only the repository and the sandbox.</Empty>}
      <ul aria-label="MCP servers" className="mt-3 text-sm">
        {servers.data?.map((s: { id: string; name: string; enabled?: boolean }) => (
          <li key={s.id}>
            {s.name} {s.enabled === false ? '(disabled)' : ''}
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function Billing({ orgId }: { orgId: string }) {
  const status = trpc.integrations.billing.status.useQuery({ orgId });
  const checkout = trpc.integrations.billing.checkout.useMutation({ onSuccess: (r: { url?: string }) => r.url && (window.location.href = r.url) });
  if (status.isLoading) return <Loading />;
  if (status.error) return <ErrorMessage>{status.error.message}</ErrorMessage>;
  const s = status.data!;
  return (
    <Card title="Billing">
      {!s.enabled ? (
        <p className="text-sm text-slate-600">Billing is off on this server (no Stripe key): no plan limits apply.</p>
      ) : (
        <div className="flex flex-col gap-2 text-sm">
          <p>
            Plan: <strong>{s.plan}</strong> ({s.status}) · agents {s.limits.concurrentAgents ?? '∞'} · seats {s.limits.seats ?? '∞'} · tokens this month{' '}
            {s.tokensThisMonth.toLocaleString()} / {s.limits.monthlyTokens?.toLocaleString() ?? '∞'}
          </p>
          <div className="flex gap-2">
            <Button onClick={() => checkout.mutate({ orgId, plan: 'pro' })}>Upgrade to Pro</Button>
            <Button variant="secondary" onClick={() => checkout.mutate({ orgId, plan: 'team' })}>
              Upgrade to Team
            </Button>
          </div>
          <ErrorMessage>{checkout.error?.message}</ErrorMessage>
        </div>
      )}
    </Card>
  );
}

/**
 * The organisation's GitHub secrets, by name. Kept here rather than imported because components
 * never import server code; they must match server/github/github-auth.ts GITHUB_SECRET_NAMES.
 */
const GITHUB_SECRETS = {
  token: 'GITHUB_TOKEN',
  appId: 'GITHUB_APP_ID',
  appPrivateKey: 'GITHUB_APP_PRIVATE_KEY',
  appInstallationId: 'GITHUB_APP_INSTALLATION_ID',
  apiUrl: 'GITHUB_API_URL',
} as const;
const GITHUB_APP_FIELDS = [GITHUB_SECRETS.appId, GITHUB_SECRETS.appPrivateKey, GITHUB_SECRETS.appInstallationId];

/**
 * How Nightshift reaches GitHub: a GitHub App installation (preferred when all three App secrets
 * are set) or a token. Shows which is configured from secret names only; values are write-only.
 */
export function GitHubConnection({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const secrets = trpc.secret.list.useQuery({ orgId });
  const setSecret = trpc.secret.set.useMutation({ onSuccess: () => utils.secret.list.invalidate({ orgId }) });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const names = new Set((secrets.data ?? []).map((s) => s.name));
  const appFields = GITHUB_APP_FIELDS.filter((n) => names.has(n));
  const method =
    appFields.length === GITHUB_APP_FIELDS.length
      ? 'GitHub App installation'
      : appFields.length > 0
        ? `GitHub App, incomplete: missing ${GITHUB_APP_FIELDS.filter((n) => !names.has(n)).join(', ')}`
        : names.has(GITHUB_SECRETS.token)
          ? 'Token (GITHUB_TOKEN)'
          : 'Not connected: pull requests stay in Nightshift';

  async function save(e: FormEvent<HTMLFormElement>, fields: string[], what: string) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    const values = fields.map((name) => [name, String(form.get(name) ?? '').trim()] as const).filter(([, v]) => v);
    if (values.length === 0) return setError('Fill in at least one field');
    try {
      for (const [name, value] of values) await setSecret.mutateAsync({ orgId, name, value });
      el.reset();
      setSaved(`${what} saved`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="GitHub">
      <p className="mb-3 text-sm text-slate-600">
        Nightshift fetches, pushes branches and opens pull requests either as a <strong>GitHub App</strong> installed on your organisation (short-lived
        installation tokens, minted per hour; preferred when configured) or with a <strong>token</strong> (a fine-grained personal access token with
        contents and pull-request write access). Values are write-only.
      </p>
      {secrets.isLoading ? (
        <Loading />
      ) : (
        <p role="status" aria-label="GitHub connection" className="mb-4 text-sm">
          In use: <strong>{method}</strong>
          {names.has(GITHUB_SECRETS.apiUrl) && <span className="text-slate-500"> · custom API URL set</span>}
        </p>
      )}
      <form onSubmit={(e) => save(e, [...GITHUB_APP_FIELDS, GITHUB_SECRETS.apiUrl], 'GitHub App settings')} className="flex flex-col gap-3" aria-label="GitHub App">
        <div className="flex flex-wrap gap-3">
          <Field label="App ID" name={GITHUB_SECRETS.appId} inputMode="numeric" placeholder="123456" autoComplete="off" />
          <Field label="Installation ID" name={GITHUB_SECRETS.appInstallationId} inputMode="numeric" placeholder="12345678" autoComplete="off" />
          <Field label="API URL (GitHub Enterprise only)" name={GITHUB_SECRETS.apiUrl} type="url" placeholder="https://github.example.com/api/v3" autoComplete="off" />
        </div>
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Private key (.pem)
          <textarea
            name={GITHUB_SECRETS.appPrivateKey}
            rows={5}
            spellCheck={false}
            autoComplete="off"
            placeholder="-----BEGIN RSA PRIVATE KEY-----"
            className="rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs shadow-sm focus:border-indigo-500"
          />
        </label>
        <div>
          <Button type="submit" disabled={setSecret.isPending}>
            Save GitHub App
          </Button>
        </div>
      </form>
      <form onSubmit={(e) => save(e, [GITHUB_SECRETS.token], 'Token')} className="mt-4 flex flex-wrap items-end gap-3" aria-label="GitHub token">
        <Field label="Or a token (GITHUB_TOKEN)" name={GITHUB_SECRETS.token} type="password" autoComplete="off" />
        <Button type="submit" variant="secondary" disabled={setSecret.isPending}>
          Save token
        </Button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved}</SavedMessage>
    </Card>
  );
}
