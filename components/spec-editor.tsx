'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { editor } from 'monaco-editor';
import { scoreSpec } from '../server/specs/score';
import { trpc } from './trpc';
import { CodeEditor } from './monaco';
import { Button, ErrorMessage, Field } from './ui/form';

export const SCORE_DEBOUNCE_MS = 250;

export const SPEC_TEMPLATE = `# Title of the change

## What to build

## What not to build

## Acceptance criteria
- Given …, when …, then …

## Dependencies and contracts

## Test expectations

## UI/UX
`;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/**
 * The spec editor: Monaco (markdown), the completeness score computed live in the browser by the
 * same rubric as the CLI and the server, findings that jump to their line, save and submit.
 */
export function SpecEditor(props: {
  orgId: string;
  orgSlug: string;
  projectId: string;
  threshold: number;
  readOnly?: boolean;
  spec?: { id: string; title: string; markdown: string; status: string };
}) {
  const router = useRouter();
  const utils = trpc.useUtils();
  const [specId, setSpecId] = useState(props.spec?.id ?? null);
  const [title, setTitle] = useState(props.spec?.title ?? '');
  const [markdown, setMarkdown] = useState(props.spec?.markdown ?? SPEC_TEMPLATE);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const editorRef = useRef<editor.IStandaloneCodeEditor | null>(null);
  const [editorReady, setEditorReady] = useState(false);
  const debounced = useDebounced(markdown, SCORE_DEBOUNCE_MS);
  const result = useMemo(() => scoreSpec(debounced, { threshold: props.threshold }), [debounced, props.threshold]);
  const create = trpc.spec.create.useMutation();
  const update = trpc.spec.update.useMutation();
  const submit = trpc.spec.submit.useMutation();
  const busy = create.isPending || update.isPending || submit.isPending;
  const canSubmit = result.accepted && !busy && !props.readOnly && title.trim().length > 0;
  const blockedReason = !result.accepted
    ? `The score is ${result.score}/100; this organization needs ${props.threshold} to plan a spec. Fix the findings below.`
    : !title.trim()
      ? 'Give the spec a title.'
      : null;

  async function save(): Promise<string | null> {
    setError(null);
    try {
      if (specId) {
        await update.mutateAsync({ orgId: props.orgId, specId, title, markdown });
        return specId;
      }
      const created = await create.mutateAsync({ orgId: props.orgId, projectId: props.projectId, title, markdown });
      setSpecId(created.id);
      window.history.replaceState(null, '', `/o/${props.orgSlug}/projects/${props.projectId}/specs/${created.id}`);
      return created.id;
    } catch (err) {
      setError((err as Error).message);
      return null;
    } finally {
      void utils.spec.list.invalidate();
    }
  }

  function jumpTo(line?: number) {
    const ed = editorRef.current;
    if (!ed || !line) return;
    ed.revealLineInCenter(line);
    ed.setPosition({ lineNumber: line, column: 1 });
    ed.focus();
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-4">
        <div className="min-w-[20rem] flex-1">
          <Field label="Spec title" value={title} onChange={(e) => setTitle(e.target.value)} readOnly={props.readOnly} required />
        </div>
        <div className="flex items-center gap-2">
          <span className="text-sm text-slate-600">Completeness</span>
          <output
            aria-label="Completeness score"
            aria-live="polite"
            className={`rounded-md px-3 py-1 font-mono text-lg font-semibold ${result.accepted ? 'bg-emerald-100 text-emerald-900' : 'bg-amber-100 text-amber-900'}`}
          >
            {result.score}/100
          </output>
        </div>
      </div>
      <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
        <div
          className="overflow-hidden rounded-md border border-slate-300 bg-white"
          aria-label="Spec markdown editor"
          role="group"
          aria-busy={!editorReady}
          data-editor-ready={editorReady ? 'true' : 'false'}
        >
          <CodeEditor
            height="60vh"
            language="markdown"
            value={markdown}
            onChange={(v) => setMarkdown(v ?? '')}
            onMount={(ed) => {
              editorRef.current = ed;
              setEditorReady(true);
            }}
            loading={<p role="status" className="p-4 text-sm text-slate-500">Loading editor…</p>}
            options={{ readOnly: props.readOnly, accessibilitySupport: 'on', ariaLabel: 'Spec markdown', tabFocusMode: false }}
          />
        </div>
        <aside aria-label="Findings" className="flex max-h-[60vh] flex-col gap-2 overflow-auto">
          <h2 className="text-sm font-semibold">Findings ({result.findings.length})</h2>
          {result.findings.length === 0 && <p className="text-sm text-slate-500">No findings: the spec is complete.</p>}
          <ul className="flex flex-col gap-2">
            {result.findings.map((f, i) => (
              <li key={i}>
                <button
                  type="button"
                  onClick={() => jumpTo(f.line)}
                  className={`w-full rounded-md border px-3 py-2 text-left text-sm hover:bg-slate-50 ${f.severity === 'error' ? 'border-red-200' : 'border-amber-200'}`}
                >
                  <span className="block text-xs font-medium text-slate-500">
                    {f.section}
                    {f.line ? ` · line ${f.line}` : ''}
                  </span>
                  {f.message}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
      <p className="text-xs text-slate-500">Keyboard: Ctrl+M switches Tab between indenting and moving focus out of the editor.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {saved && <p role="status" className="text-sm text-emerald-700">{saved}</p>}
      {!props.readOnly && (
        <div className="flex flex-wrap items-center gap-3">
          <Button
            variant="secondary"
            disabled={busy}
            onClick={async () => {
              setSaved(null);
              if (await save()) setSaved('Draft saved.');
            }}
          >
            Save draft
          </Button>
          <Button
            disabled={!canSubmit}
            aria-describedby={blockedReason ? 'submit-blocked-reason' : undefined}
            onClick={async () => {
              const id = await save();
              if (!id) return;
              try {
                await submit.mutateAsync({ orgId: props.orgId, specId: id });
                router.push(`/o/${props.orgSlug}/projects/${props.projectId}/specs/${id}/plan`);
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            Submit for planning
          </Button>
          {blockedReason && (
            <p id="submit-blocked-reason" className="text-sm text-amber-800">
              {blockedReason}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
