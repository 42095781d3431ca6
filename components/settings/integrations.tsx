'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ConfirmButton, Empty, ErrorMessage, Field, Loading, SavedMessage, useActionStatus } from '../ui/form';

/** When something last happened, in words ("3 min ago"), with the exact time as a tooltip. */
function Ago({ at }: { at: Date | string }) {
  const d = new Date(at);
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  const text = s < 60 ? 'just now' : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86_400 ? `${Math.round(s / 3600)} h ago` : d.toLocaleDateString();
  return <time dateTime={d.toISOString()} title={d.toLocaleString()}>{text}</time>;
}

/** A status line: on/off, and the last outcome with its error. */
function StatusLine({ enabled, last, what }: { enabled: boolean; last: { at: Date | string; ok: boolean; error: string | null; detail?: string } | null; what: string }) {
  return (
    <span className="text-slate-600">
      <span className={enabled ? 'text-green-800' : 'text-amber-800'}>{enabled ? 'On' : 'Off'}</span>
      {' · '}
      {!last ? (
        `no ${what} yet`
      ) : last.ok ? (
        <span className="text-green-800">
          last {what} ok{last.detail ? ` (${last.detail})` : ''}, <Ago at={last.at} />
        </span>
      ) : (
        <span className="text-red-800">
          last {what} failed <Ago at={last.at} />: {last.error}
        </span>
      )}
    </span>
  );
}

/** Slack and Discord channels: where run notices go. Secrets (webhook URLs, bot tokens) are write-only. */
export function NotificationChannels({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const channels = trpc.integrations.channels.list.useQuery({ orgId });
  const refresh = () => utils.integrations.channels.list.invalidate({ orgId });
  const create = trpc.integrations.channels.create.useMutation({ onSuccess: refresh });
  const test = trpc.integrations.channels.test.useMutation({ onSettled: refresh });
  const setEnabled = trpc.integrations.channels.setEnabled.useMutation({ onSuccess: refresh });
  const remove = trpc.integrations.channels.delete.useMutation({ onSuccess: refresh });
  const { error, setError, status, setStatus, act } = useActionStatus();
  const [kind, setKind] = useState<'slack-webhook' | 'discord-webhook'>('slack-webhook');

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const el = e.currentTarget;
    const f = new FormData(el);
    try {
      const c = await create.mutateAsync({ orgId, channel: { kind, name: String(f.get('name')), webhookUrl: String(f.get('url')) } as never });
      el.reset();
      setStatus(`Channel ${c.name} added. Send a test to check it.`);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Card title="Slack and Discord">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" aria-label="Add a channel">
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
      <SavedMessage>{status}</SavedMessage>
      {channels.isLoading && <Loading />}
      {channels.data?.length === 0 && <Empty>No channels: runs are announced only in the app.</Empty>}
      <ul aria-label="Notification channels" className="mt-3 divide-y text-sm">
        {channels.data?.map((c) => (
          <li key={c.id} aria-label={c.name} className="flex flex-wrap items-center justify-between gap-3 py-2">
            <div className="min-w-0 break-words">
              <strong>{c.name}</strong> <span className="text-slate-500">({c.kind})</span>
              <br />
              <StatusLine enabled={c.enabled} last={c.lastDelivery} what="delivery" />
            </div>
            <div className="flex flex-wrap gap-2">
              <Button
                variant="secondary"
                disabled={test.isPending}
                onClick={() =>
                  void act(
                    test.mutateAsync({ orgId, channelId: c.id }).then((r) => {
                      if (!r.ok) throw new Error(`${c.name}: the test message was not delivered: ${r.error}`);
                    }),
                    `Test message delivered to ${c.name}.`,
                  )
                }
              >
                Send test
              </Button>
              <Button variant="secondary" disabled={setEnabled.isPending} onClick={() => void act(setEnabled.mutateAsync({ orgId, channelId: c.id, enabled: !c.enabled }), `${c.name} turned ${c.enabled ? 'off' : 'on'}.`)}>
                {c.enabled ? 'Turn off' : 'Turn on'}
              </Button>
              <ConfirmButton
                label="Remove"
                accessibleName={`Remove channel ${c.name}`}
                confirmLabel={`Remove ${c.name}`}
                disabled={remove.isPending}
                onConfirm={() => act(remove.mutateAsync({ orgId, channelId: c.id }), `Channel ${c.name} removed.`)}
              />
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** MCP servers from presets (Sentry, Jira, Slack, GitHub) or a custom URL; projects choose which to use. */
export function McpServers({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const presets = trpc.mcp.presets.useQuery({ orgId });
  const servers = trpc.mcp.servers.list.useQuery({ orgId });
  const refresh = () => utils.mcp.servers.list.invalidate({ orgId });
  const create = trpc.mcp.servers.create.useMutation({ onSuccess: refresh });
  const test = trpc.mcp.servers.test.useMutation({ onSettled: refresh });
  const update = trpc.mcp.servers.update.useMutation({ onSuccess: refresh });
  const remove = trpc.mcp.servers.delete.useMutation({ onSuccess: refresh });
  const { error, setError, status, setStatus, act } = useActionStatus();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const el = e.currentTarget;
    const f = new FormData(el);
    const preset = String(f.get('preset'));
    const p = presets.data?.find((x) => x.id === preset);
    const secretName = p?.secrets?.[0]?.name;
    const secretValue = String(f.get('secret') || '');
    try {
      const s = await create.mutateAsync({ orgId, name: String(f.get('name') || preset), preset: preset as never, ...(secretName && secretValue ? { secrets: { [secretName]: secretValue } } : {}) });
      el.reset();
      setStatus(`MCP server ${s.name} added. Test it to see its tools.`);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Card title="MCP servers">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" aria-label="Add an MCP server">
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
      <SavedMessage>{status}</SavedMessage>
      {servers.data?.length === 0 && <Empty>No MCP servers. Agents use only the repository and the sandbox.</Empty>}
      <ul aria-label="MCP servers" className="mt-3 divide-y text-sm">
        {servers.data?.map((s) => (
          <li key={s.id} aria-label={s.name} className="flex flex-wrap items-center justify-between gap-3 py-2">
            <div className="min-w-0 break-words">
              <strong>{s.name}</strong> <span className="text-slate-500">({s.preset ?? s.transport})</span>
              {s.missingSecrets.length > 0 && <span className="text-amber-800"> · missing secrets: {s.missingSecrets.join(', ')}</span>}
              <br />
              <StatusLine
                enabled={s.enabled}
                last={s.lastCheck ? { ...s.lastCheck, detail: s.lastCheck.tools === null ? undefined : `${s.lastCheck.tools} tools` } : null}
                what="test"
              />
            </div>
            <div className="flex flex-wrap gap-2">
              <Button
                variant="secondary"
                disabled={test.isPending}
                onClick={() =>
                  void act(
                    test.mutateAsync({ orgId, serverId: s.id }).then((r) => {
                      if (!r.ok) throw new Error(`${s.name} did not connect: ${r.error}`);
                    }),
                    `${s.name} connected.`,
                  )
                }
              >
                Test
              </Button>
              <Button variant="secondary" disabled={update.isPending} onClick={() => void act(update.mutateAsync({ orgId, serverId: s.id, enabled: !s.enabled }), `${s.name} turned ${s.enabled ? 'off' : 'on'}.`)}>
                {s.enabled ? 'Turn off' : 'Turn on'}
              </Button>
              <ConfirmButton
                label="Remove"
                accessibleName={`Remove MCP server ${s.name}`}
                confirmLabel={`Remove ${s.name}`}
                disabled={remove.isPending}
                onConfirm={() => act(remove.mutateAsync({ orgId, serverId: s.id }), `MCP server ${s.name} removed.`)}
              />
            </div>
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
