'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

type WebTest = { startCommand: string; url: string } | null;

/**
 * How QA's web tester reaches this project's UI: the command that starts the app from the task's
 * worktree inside the sandbox, and the URL it answers on there. Cleared, QA tests without a browser.
 */
export function ProjectWebTester({ orgId, projectId, webTest }: { orgId: string; projectId: string; webTest: WebTest }) {
  const utils = trpc.useUtils();
  const update = trpc.project.update.useMutation({ onSuccess: () => utils.project.get.invalidate({ orgId, projectId }) });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function save(next: WebTest) {
    setError(null);
    setSaved(null);
    try {
      await update.mutateAsync({ orgId, projectId, webTest: next });
      setSaved(next ? 'Web tester saved.' : 'Web tester turned off.');
    } catch (err) {
      setError((err as Error).message);
    }
  }
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    void save({ startCommand: String(form.get('startCommand') ?? '').trim(), url: String(form.get('url') ?? '').trim() });
  }

  return (
    <Card title="Web tester">
      <p className="mb-3 text-sm text-slate-600">
        When set, QA starts the app from the task&apos;s worktree inside its sandbox and drives it in a browser (snapshots, clicks, screenshots in the
        pull request). The app has no network beyond the sandbox, so the URL is on 127.0.0.1.
      </p>
      <p role="status" aria-label="Web tester state" className="mb-3 text-sm">
        {webTest ? (
          <>
            On: <code>{webTest.startCommand}</code> → <code>{webTest.url}</code>
          </>
        ) : (
          'Off: QA tests without a browser.'
        )}
      </p>
      <form key={JSON.stringify(webTest)} onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" aria-label="Web tester settings">
        <Field label="Start command" name="startCommand" defaultValue={webTest?.startCommand ?? ''} placeholder="npm run dev -- --port 3000" required autoComplete="off" />
        <Field label="App URL" name="url" defaultValue={webTest?.url ?? ''} placeholder="http://127.0.0.1:3000/" required autoComplete="off" />
        <Button type="submit" disabled={update.isPending}>
          Save web tester
        </Button>
        {webTest && (
          <Button type="button" variant="secondary" disabled={update.isPending} onClick={() => void save(null)}>
            Turn off
          </Button>
        )}
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved}</SavedMessage>
    </Card>
  );
}

/** Which of the organisation's MCP servers this project's agents may use, and which of their tools. */
export function ProjectMcpAccess({ orgId, projectId, canEdit }: { orgId: string; projectId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const access = trpc.mcp.projectAccess.get.useQuery({ orgId, projectId });
  const set = trpc.mcp.projectAccess.set.useMutation({ onSuccess: () => utils.mcp.projectAccess.get.invalidate({ orgId, projectId }) });
  const [error, setError] = useState<string | null>(null);

  async function change(serverId: string, enabled: boolean, tools: string[] | null) {
    setError(null);
    try {
      await set.mutateAsync({ orgId, projectId, serverId, enabled, tools });
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="MCP servers for this project">
      <p className="mb-3 text-sm text-slate-600">Agents of this project see only the servers switched on here, and only the listed tools (blank: all of them).</p>
      {access.isLoading && <Loading />}
      <ErrorMessage>{access.error?.message}</ErrorMessage>
      {access.data?.length === 0 && <Empty>The organization has no MCP servers yet; admins add them in Settings.</Empty>}
      <ul aria-label="MCP servers for this project" className="flex flex-col gap-3 text-sm">
        {access.data?.map((s) => (
          <li key={s.serverId} className="flex flex-wrap items-end gap-3">
            <label className="flex items-center gap-2 font-medium">
              <input
                type="checkbox"
                role="switch"
                aria-checked={s.enabled}
                checked={s.enabled}
                disabled={!canEdit || set.isPending}
                onChange={(e) => void change(s.serverId, e.target.checked, s.tools)}
              />
              {s.name}
            </label>
            {!s.serverEnabled && <span className="text-amber-700">(disabled by an admin)</span>}
            {s.enabled && canEdit && (
              <form
                key={JSON.stringify(s.tools)}
                className="flex items-end gap-2"
                aria-label={`Tools of ${s.name}`}
                onSubmit={(e) => {
                  e.preventDefault();
                  const raw = String(new FormData(e.currentTarget).get('tools') ?? '');
                  const tools = raw.split(',').map((t) => t.trim()).filter(Boolean);
                  void change(s.serverId, true, tools.length ? tools : null);
                }}
              >
                <Field label={`Allowed tools of ${s.name}`} name="tools" defaultValue={s.tools?.join(', ') ?? ''} placeholder="all tools" autoComplete="off" />
                <Button type="submit" variant="secondary" disabled={set.isPending}>
                  Save tools
                </Button>
              </form>
            )}
          </li>
        ))}
      </ul>
      <ErrorMessage>{error}</ErrorMessage>
    </Card>
  );
}
