'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

const seconds = (ms: number) => `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
const mib = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? 'unknown' : bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const SOURCE_LABEL: Record<string, string> = {
  detected: 'detected',
  script: 'the repository’s .nightshift/setup.sh',
  settings: 'the project’s setup command',
  none: 'nothing to install',
};
/** How long "Set up now" keeps watching for the new setup. */
const WATCH_MS = 10 * 60_000;

/**
 * The project's dependency environment: what installs it (detected or set), the last setup
 * (status, when, how long, from the cache or not), the cache's size, the toolchain check, the
 * last failure with its log; "Set up now" and the project's setup settings for members.
 */
export function EnvironmentCard({ orgId, projectId, canEdit }: { orgId: string; projectId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const [requestedAt, setRequestedAt] = useState<number | null>(null);
  const env = trpc.environment.project.useQuery(
    { orgId, projectId },
    {
      // While a requested setup has not shown up yet, look again every two seconds.
      refetchInterval: (q) => {
        if (requestedAt === null || Date.now() - requestedAt > WATCH_MS) return false;
        const latest = q.state.data?.latest;
        return latest && new Date(latest.createdAt).getTime() >= requestedAt ? false : 2000;
      },
    },
  );
  const setUp = trpc.environment.setUpNow.useMutation();
  const save = trpc.environment.setProjectSettings.useMutation({ onSuccess: () => utils.environment.project.invalidate({ orgId, projectId }) });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const latest = env.data?.latest ?? null;
  const waiting = requestedAt !== null && (!latest || new Date(latest.createdAt).getTime() < requestedAt) && Date.now() - requestedAt <= WATCH_MS;

  async function onSetUp() {
    setError(null);
    setSaved(null);
    try {
      // A little before now: the server's clock stamps the row.
      const r = await setUp.mutateAsync({ orgId, projectId });
      setRequestedAt(new Date(r.requestedAt).getTime() - 5_000);
      if (!r.queued) setSaved('A setup of this project is already waiting to run.');
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function onSave(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const form = new FormData(e.currentTarget);
    const setupCommand = String(form.get('setupCommand') ?? '').trim();
    const cachePaths = String(form.get('cachePaths') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    try {
      await save.mutateAsync({ orgId, projectId, setupCommand: setupCommand || null, cachePaths });
      setSaved(setupCommand ? 'Setup command saved: the next setup uses it.' : 'Setup settings saved: the install command is detected from the repository.');
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card
      title="Environment"
      actions={
        canEdit && (
          <Button type="button" variant="secondary" onClick={() => void onSetUp()} disabled={setUp.isPending || waiting}>
            {waiting ? 'Setting up…' : 'Set up now'}
          </Button>
        )
      }
    >
      <p className="mb-3 text-sm text-slate-600">
        Before a task&apos;s first role, the project&apos;s dependencies are installed in a sandbox that reaches only the package registries, cached per
        lockfile, and mounted read-only into the task&apos;s sandbox, which has no network.
      </p>
      {env.isLoading && <Loading />}
      <ErrorMessage>{env.error?.message}</ErrorMessage>
      {env.data && (
        <dl aria-label="Environment" className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="font-medium text-slate-700">Install command</dt>
          <dd aria-label="Install command">
            {latest?.command ? (
              <>
                <code>{latest.command}</code> <span className="text-slate-500">({SOURCE_LABEL[latest.source] ?? latest.source}{latest.stacks.length ? `: ${latest.stacks.join(', ')}` : ''})</span>
              </>
            ) : latest?.status === 'none' ? (
              'No recognisable stack: nothing to install.'
            ) : (
              <span className="text-slate-500">Not known until the first setup.</span>
            )}
          </dd>
          <dt className="font-medium text-slate-700">Last setup</dt>
          <dd aria-label="Last setup" role="status">
            {waiting ? (
              'Setting up…'
            ) : latest ? (
              <>
                <span className={latest.status === 'failed' ? 'font-semibold text-red-700' : latest.status === 'ready' ? 'font-semibold text-green-700' : ''}>
                  {latest.status === 'ready' ? 'Ready' : latest.status === 'failed' ? 'Failed' : 'Nothing to install'}
                </span>
                {latest.status !== 'none' && <> · {latest.cached ? 'from the cache (no install)' : 'installed'} in {seconds(latest.durationMs)}</>} ·{' '}
                <time dateTime={new Date(latest.createdAt).toISOString()}>{new Date(latest.createdAt).toLocaleString()}</time>
                {latest.runId && <span className="text-slate-500"> · run {latest.runId.slice(0, 8)}</span>}
              </>
            ) : (
              'Never set up yet.'
            )}
          </dd>
          {env.data.lastInstall && (
            <>
              <dt className="font-medium text-slate-700">Last install</dt>
              <dd aria-label="Last install">
                {seconds(env.data.lastInstall.durationMs)}, {mib(env.data.lastInstall.sizeBytes)} · cache key <code>{env.data.lastInstall.cacheKey}</code>
              </dd>
            </>
          )}
          <dt className="font-medium text-slate-700">Cache on this server</dt>
          <dd aria-label="Cache size">{mib(env.data.cacheBytes)}</dd>
          <dt className="font-medium text-slate-700">Toolchain</dt>
          <dd aria-label="Toolchain">
            {env.data.toolchain.length === 0 ? (
              <span className="text-slate-500">The project names no versions (.nvmrc, engines.node, .python-version, go.mod).</span>
            ) : (
              <ul>
                {env.data.toolchain.map((c) => (
                  <li key={`${c.tool}-${c.source}`} className={c.ok === false ? 'text-amber-800' : ''}>
                    {c.ok === false ? '⚠ ' : c.ok ? '✓ ' : '? '}
                    {c.message}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      )}
      {env.data?.failure && (
        <div className="mt-4" aria-label="Setup failure">
          <p className="text-sm font-medium text-red-800">Setup failed {new Date(env.data.failure.createdAt).toLocaleString()}:</p>
          <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-red-50 p-2 text-xs text-red-900">{env.data.failure.error}</pre>
          <details className="mt-2 text-sm">
            <summary className="cursor-pointer text-slate-700">Setup log</summary>
            <pre aria-label="Setup log" className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs">
              {env.data.failure.log}
            </pre>
          </details>
        </div>
      )}
      {canEdit && env.data && (
        <form key={JSON.stringify(env.data.settings)} onSubmit={onSave} aria-label="Setup settings" className="mt-4 flex flex-wrap items-end gap-3">
          <Field
            label="Setup command"
            name="setupCommand"
            defaultValue={env.data.settings.setupCommand ?? ''}
            placeholder={latest?.source === 'detected' && latest.command ? latest.command : 'detected from the repository'}
            hint="Blank: detected. A committed .nightshift/setup.sh wins over both."
            autoComplete="off"
          />
          <Field
            label="Extra cache paths"
            name="cachePaths"
            defaultValue={env.data.settings.cachePaths.join(', ')}
            placeholder="vendor/bundle, .yarn/cache"
            hint="Folders the setup leaves that tasks need, comma-separated."
            autoComplete="off"
          />
          <Button type="submit" disabled={save.isPending}>
            Save setup
          </Button>
        </form>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved}</SavedMessage>
    </Card>
  );
}
