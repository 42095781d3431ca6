'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

const lines = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * Where the organisation's dependency setups may reach: the default public registries (or not),
 * more hosts, mirrors the installers are pointed at, and which secret is the token for which
 * registry host. Tokens are organisation secrets (Secrets above): named here, never shown.
 */
export function PackageRegistries({ orgId }: { orgId: string }) {
  const utils = trpc.useUtils();
  const current = trpc.environment.registries.useQuery({ orgId });
  const save = trpc.environment.setRegistries.useMutation({ onSuccess: () => utils.environment.registries.invalidate({ orgId }) });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const form = new FormData(e.currentTarget);
    const url = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const tokens: Array<{ host: string; secret: string }> = [];
    for (const line of lines(form.get('tokens'))) {
      const [host, secret, ...rest] = line.split(/\s*[=\s]\s*/).filter(Boolean);
      if (!host || !secret || rest.length) {
        setError(`Token line "${line}" must be: registry-host SECRET_NAME`);
        return;
      }
      tokens.push({ host, secret });
    }
    try {
      await save.mutateAsync({
        orgId,
        extra: lines(form.get('extra')),
        replaceDefaults: form.get('replaceDefaults') === 'on',
        urls: { npm: url('npm'), pip: url('pip'), go: url('go') },
        tokens,
      });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const d = current.data;
  return (
    <Card title="Package registries">
      <p className="mb-3 text-sm text-slate-600">
        Dependency setups run in a sandbox whose only way out is Nightshift&apos;s proxy to these registries; everything else is refused and logged. The
        outbound policy applies to them too. Agents&apos; own sandboxes never have network.
      </p>
      {current.isLoading && <Loading />}
      <ErrorMessage>{current.error?.message}</ErrorMessage>
      {d && (
        <form key={JSON.stringify(d)} onSubmit={onSubmit} aria-label="Package registries" className="flex flex-col gap-3 text-sm">
          <p>
            Default registries: <span className="font-mono text-xs">{d.defaults.join(', ')}</span>
          </p>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="replaceDefaults" defaultChecked={d.replaceDefaults} />
            Only the registries below (not the defaults)
          </label>
          <label className="flex flex-col gap-1">
            <span className="font-medium text-slate-700">More allowed registries (one per line: host, host:port, *.domain or URL)</span>
            <textarea name="extra" rows={3} defaultValue={d.extra.join('\n')} placeholder="npm.corp.example" className="rounded-md border border-slate-300 px-3 py-2 font-mono text-xs" />
          </label>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="npm registry mirror" name="npm" defaultValue={d.urls.npm ?? ''} placeholder="https://npm.corp.example/" autoComplete="off" />
            <Field label="Python index mirror" name="pip" defaultValue={d.urls.pip ?? ''} placeholder="https://pypi.corp.example/simple/" autoComplete="off" />
            <Field label="Go module proxy" name="go" defaultValue={d.urls.go ?? ''} placeholder="https://goproxy.corp.example" autoComplete="off" />
          </div>
          <label className="flex flex-col gap-1">
            <span className="font-medium text-slate-700">Registry tokens (one per line: registry-host SECRET_NAME)</span>
            <textarea
              name="tokens"
              rows={2}
              defaultValue={d.tokens.map((t) => `${t.host} ${t.secret}`).join('\n')}
              placeholder="npm.corp.example NPM_TOKEN"
              className="rounded-md border border-slate-300 px-3 py-2 font-mono text-xs"
            />
            <span className="text-xs text-slate-500">
              The secret&apos;s value (saved under Secrets) is given to the setup sandbox only, as an npmrc/netrc for that host: never to an agent&apos;s
              sandbox, a prompt or a log. Use a read-only token: the setup command can read it.
            </span>
          </label>
          {d.tokens.length > 0 && (
            <ul aria-label="Registry tokens" className="text-xs">
              {d.tokens.map((t) => (
                <li key={t.host}>
                  <code>{t.host}</code> ← <code>{t.secret}</code> {t.secretSet ? <span className="text-green-700">(set)</span> : <span className="text-amber-700">(no such secret yet)</span>}
                </li>
              ))}
            </ul>
          )}
          <div>
            <Button type="submit" disabled={save.isPending}>
              Save registries
            </Button>
          </div>
        </form>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved ? 'Registries saved: the next setup uses them.' : null}</SavedMessage>
    </Card>
  );
}
