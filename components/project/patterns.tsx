'use client';
import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { trpc, type RouterOutputs } from '../trpc';
import { Button, Card, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
type Severity = (typeof SEVERITIES)[number];
const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'bg-red-100 text-red-800',
  high: 'bg-orange-100 text-orange-800',
  medium: 'bg-amber-100 text-amber-800',
  low: 'bg-slate-100 text-slate-700',
};

/**
 * The project's learned anti-patterns: what agents are told to avoid in this repository (and
 * what the diff guard holds them to). Scan the default branch, switch patterns on and off, edit
 * the wording (every save is a new version, any version can be restored), see the runs a pattern
 * was learned from, and turn a rule's occurrences into a cleanup spec.
 */
export function ProjectPatterns({ orgId, orgSlug, projectId, canEdit }: { orgId: string; orgSlug: string; projectId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const router = useRouter();
  const patterns = trpc.viability.patterns.useQuery({ orgId, projectId });
  const refresh = () => utils.viability.patterns.invalidate({ orgId, projectId });
  const scan = trpc.viability.scan.useMutation({ onSuccess: refresh });
  const cleanup = trpc.viability.cleanupSpec.useMutation({
    onSuccess: (r) => router.push(`/o/${orgSlug}/projects/${projectId}/specs/${r.specId}`),
  });
  const [rule, setRule] = useState('');
  const rules = (patterns.data ?? []).filter((p) => p.rule && p.occurrences > 0);

  return (
    <Card title="Patterns">
      <p className="mb-3 text-sm text-slate-600">
        Anti-patterns found in this repository. Before the architect or developer writes code, each active pattern present in the task&apos;s files
        is put in its prompt as <code>DO NOT: … INSTEAD: …</code>, and a change that adds one is sent back as a QA finding.
      </p>
      {canEdit && (
        <div className="mb-4 flex flex-wrap items-end gap-3">
          <Button type="button" onClick={() => scan.mutate({ orgId, projectId })} disabled={scan.isPending}>
            {scan.isPending ? 'Scanning…' : 'Scan repository'}
          </Button>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Rule to clean up
            <select aria-label="Rule to clean up" value={rule} onChange={(e) => setRule(e.target.value)} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
              <option value="">Most severe that fires</option>
              {rules.map((p) => (
                <option key={p.id} value={p.rule!}>
                  {p.rule} ({p.occurrences})
                </option>
              ))}
            </select>
          </label>
          <Button type="button" variant="secondary" onClick={() => cleanup.mutate({ orgId, projectId, ...(rule ? { rule } : {}) })} disabled={cleanup.isPending}>
            {cleanup.isPending ? 'Writing spec…' : 'Create cleanup spec'}
          </Button>
        </div>
      )}
      {scan.data && (
        <p role="status" aria-label="Scan result" className="mb-3 text-sm text-slate-700">
          Scanned {scan.data.filesScanned} files at <code>{scan.data.commit.slice(0, 8)}</code>: {scan.data.findings} findings, {scan.data.learned} new patterns,{' '}
          {scan.data.updated} updated.
          {scan.data.problemCount > 0 && ` ${scan.data.problemCount} files could not be scanned (${scan.data.problems.map((p) => `${p.file}: ${p.kind}`).join('; ')}).`}
        </p>
      )}
      <ErrorMessage>{scan.error?.message ?? cleanup.error?.message ?? patterns.error?.message}</ErrorMessage>
      {patterns.isLoading && <Loading />}
      {patterns.data?.length === 0 && <Empty>No patterns yet. Scan the repository, or they are learned when QA and reviewers flag the same problem in two tasks.</Empty>}
      <ul aria-label="Patterns" className="divide-y">
        {patterns.data?.map((p) => <PatternItem key={p.id} orgId={orgId} orgSlug={orgSlug} pattern={p} canEdit={canEdit} onChange={refresh} />)}
      </ul>
    </Card>
  );
}

type Pattern = RouterOutputs['viability']['patterns'][number];

function PatternItem({ orgId, orgSlug, pattern: p, canEdit, onChange }: { orgId: string; orgSlug: string; pattern: Pattern; canEdit: boolean; onChange: () => void }) {
  const [mode, setMode] = useState<'view' | 'edit' | 'history'>('view');
  const [saved, setSaved] = useState<string | null>(null);
  const update = trpc.viability.update.useMutation({ onSuccess: onChange });
  const revert = trpc.viability.revert.useMutation({ onSuccess: onChange });
  const history = trpc.viability.history.useQuery({ orgId, patternId: p.id }, { enabled: mode === 'history' });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setSaved(null);
    update.mutate(
      {
        orgId,
        patternId: p.id,
        expectedVersion: p.version,
        title: String(form.get('title') ?? ''),
        doNot: String(form.get('doNot') ?? ''),
        instead: String(form.get('instead') ?? ''),
        severity: String(form.get('severity')) as Severity,
      },
      { onSuccess: (r) => (setMode('view'), setSaved(`Saved as version ${r.version}.`)) },
    );
  }

  return (
    <li aria-label={`Pattern ${p.title}`} className="flex flex-col gap-2 py-3 text-sm">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 font-medium">
          <input
            type="checkbox"
            role="switch"
            aria-label={`Use pattern ${p.title}`}
            aria-checked={p.enabled}
            checked={p.enabled}
            disabled={!canEdit || update.isPending}
            onChange={(e) => update.mutate({ orgId, patternId: p.id, expectedVersion: p.version, enabled: e.target.checked })}
          />
          {p.title}
        </label>
        <span className={`rounded px-2 py-0.5 text-xs ${SEVERITY_STYLE[p.severity]}`}>{p.severity}</span>
        <code className="text-xs text-slate-600">{p.key.startsWith('finding:') ? 'recurring finding' : p.key}</code>
        <span className="text-slate-600">
          {p.occurrences} in the last scan · learned from {p.source === 'scan' ? 'a scan' : p.source === 'review' ? 'QA/review findings' : 'run observations'} · version {p.version}
        </span>
      </div>
      <p>
        <strong>DO NOT:</strong> {p.doNot}
      </p>
      <p>
        <strong>INSTEAD:</strong> {p.instead}
      </p>
      {p.example && (
        <p className="text-slate-700">
          Example: <code>{`${p.example.file}${p.example.line ? `:${p.example.line}` : ''}`}</code>
          {p.example.snippet && <code className="ml-2 rounded bg-slate-50 px-1">{p.example.snippet}</code>}
        </p>
      )}
      {p.sourceRuns.length > 0 && (
        <p aria-label={`Source runs of ${p.title}`} className="flex flex-wrap gap-2 text-slate-700">
          Source runs:
          {p.sourceRuns.map((id) => (
            <Link key={id} className="text-indigo-700 underline" href={`/o/${orgSlug}/runs/${id}`}>
              {id.slice(0, 8)}
            </Link>
          ))}
        </p>
      )}
      <div className="flex gap-2">
        {canEdit && (
          <Button type="button" variant="secondary" onClick={() => setMode(mode === 'edit' ? 'view' : 'edit')}>
            {mode === 'edit' ? 'Cancel' : 'Edit'}
          </Button>
        )}
        <Button type="button" variant="secondary" onClick={() => setMode(mode === 'history' ? 'view' : 'history')}>
          {mode === 'history' ? 'Hide history' : 'History'}
        </Button>
      </div>
      {mode === 'edit' && (
        <form onSubmit={onSubmit} aria-label={`Edit pattern ${p.title}`} className="flex flex-col gap-3">
          <Field label="Title" name="title" defaultValue={p.title} required autoComplete="off" />
          <TextArea label="Do not" name="doNot" defaultValue={p.doNot} />
          <TextArea label="Instead" name="instead" defaultValue={p.instead} />
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Severity
            <select name="severity" defaultValue={p.severity} className="w-40 rounded-md border border-slate-300 px-3 py-2 text-sm">
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <div>
            <Button type="submit" disabled={update.isPending}>
              Save pattern
            </Button>
          </div>
        </form>
      )}
      {mode === 'history' && (
        <ol aria-label={`History of ${p.title}`} className="flex flex-col gap-1 text-slate-700">
          {history.isLoading && <Loading />}
          {history.data?.map((h) => (
            <li key={h.version} className="flex flex-wrap items-center gap-2">
              <span>
                v{h.version} · {h.change}
                {h.author ? ` by ${h.author}` : ''} · {new Date(h.createdAt).toLocaleString()} · {h.enabled ? 'on' : 'off'}: {h.instead}
              </span>
              {canEdit && h.version !== p.version && (
                <Button type="button" variant="secondary" disabled={revert.isPending} onClick={() => revert.mutate({ orgId, patternId: p.id, version: h.version })}>
                  Restore v{h.version}
                </Button>
              )}
            </li>
          ))}
        </ol>
      )}
      <ErrorMessage>{update.error?.message ?? revert.error?.message ?? history.error?.message}</ErrorMessage>
      <SavedMessage>{saved}</SavedMessage>
    </li>
  );
}

function TextArea({ label, name, defaultValue }: { label: string; name: string; defaultValue: string }) {
  return (
    <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
      {label}
      <textarea name={name} defaultValue={defaultValue} required rows={3} className="rounded-md border border-slate-300 px-3 py-2 text-sm font-normal" />
    </label>
  );
}
