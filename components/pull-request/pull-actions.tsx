'use client';
import { useState } from 'react';
import { Button, ErrorMessage, SavedMessage } from '../ui/form';

/** A word for a POSIX shell: bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export type Location =
  | { kind: 'github'; url: string | null }
  | { kind: 'local'; path: string; branchSha: string | null; merged: boolean }
  | { kind: 'local-unavailable'; message: string }
  | { kind: 'remote'; url: string };

/** The command that puts the branch in a person's checkout. */
export function checkoutCommand(location: Location, branch: string): string {
  if (location.kind === 'local') return `git -C ${shellWord(location.path)} checkout ${shellWord(branch)}`;
  return `git fetch origin ${shellWord(branch)} && git checkout ${shellWord(branch)}`;
}

/** A command shown in full with a Copy button (the clipboard when the browser allows it, else the text selected). */
export function CopyCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy(e: React.MouseEvent<HTMLButtonElement>) {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('Copied');
    } catch {
      const code = e.currentTarget.parentElement?.querySelector('code');
      if (code) window.getSelection()?.selectAllChildren(code);
      setCopied('Selected: press Ctrl+C');
    }
  }
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <span className="text-xs font-medium text-slate-600">{label}</span>
      <div className="flex min-w-0 items-stretch gap-2">
        <code aria-label={label} className="min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
          {command}
        </code>
        <Button type="button" variant="secondary" onClick={copy}>
          Copy
        </Button>
      </div>
      <SavedMessage>{copied}</SavedMessage>
    </div>
  );
}

/** Merge (two steps: the button, then a confirmation saying what will happen), close, reopen. */
export function PullActions(props: {
  state: string;
  base: string;
  branch: string;
  location: Location;
  canAct: boolean;
  merging: boolean;
  closing: boolean;
  onMerge: () => Promise<unknown>;
  onClose: () => Promise<unknown>;
  onReopen: () => Promise<unknown>;
  error: string | null;
  done: string | null;
  /** The report does not show the change verified (QA cap, criteria without evidence): merging takes a deliberate step. */
  unverified?: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const { location, state } = props;
  const localOpen = location.kind === 'local' && state === 'open';
  const mergeable = localOpen && location.branchSha !== null;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-3">
        {props.canAct && mergeable && !confirming && (
          <Button type="button" variant={props.unverified ? 'secondary' : 'primary'} onClick={() => setConfirming(true)}>
            Merge into {props.base}
          </Button>
        )}
        {location.kind === 'github' && location.url && (
          <a href={location.url} target="_blank" rel="noreferrer" className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
            Open on GitHub
          </a>
        )}
        {props.canAct && state === 'open' && (
          <Button type="button" variant="secondary" disabled={props.closing} onClick={() => void props.onClose()}>
            Close pull request
          </Button>
        )}
        {props.canAct && state === 'closed' && location.kind !== 'github' && (
          <Button type="button" variant="secondary" disabled={props.closing} onClick={() => void props.onReopen()}>
            Reopen
          </Button>
        )}
      </div>
      {confirming && location.kind === 'local' && (
        <div role="group" aria-label="Confirm merge" className="flex flex-col gap-3 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm">
          <p>
            Merge <code className="font-mono">{props.branch}</code> into <code className="font-mono">{props.base}</code> in <code className="break-all font-mono">{location.path}</code> with a merge commit in your name. If{' '}
            <code className="font-mono">{props.base}</code> is checked out there, its files are updated — only when it has no uncommitted changes. A conflict changes nothing.
          </p>
          {props.unverified && <p className="font-medium text-amber-900">This change is not verified (see the warning above): merge it only if you checked it yourself.</p>}
          <div className="flex flex-wrap gap-3">
            <Button
              type="button"
              disabled={props.merging}
              onClick={async () => {
                await props.onMerge().catch(() => undefined);
                setConfirming(false);
              }}
            >
              {props.merging ? 'Merging…' : 'Confirm merge'}
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      <ErrorMessage>{props.error}</ErrorMessage>
      <SavedMessage>{props.done}</SavedMessage>
    </div>
  );
}
