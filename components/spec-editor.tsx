'use client';
import { useCallback, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { useRouter } from 'next/navigation';
import type { editor } from 'monaco-editor';
import { specTitleOf, withSpecTitle } from '../server/specs/title';
import { trpc } from './trpc';
import { CodeEditor } from './monaco';
import { Button, ErrorMessage, Field } from './ui/form';
import { ScoreChecklist } from './spec-editor/checklist';
import { useSpecScore } from './spec-editor/use-spec-score';
import type { GroundingNames } from '../server/specs/grounding';

export { SCORE_DEBOUNCE_MS } from './spec-editor/use-spec-score';

/** A new spec starts with an empty title line: the title field fills it. */
export const SPEC_TEMPLATE = `# 

## What to build

## What not to build

## Acceptance criteria
- Given …, when …, then …

## Dependencies and contracts

## Test expectations

## UI/UX
`;

/** Files a Spec Kit folder holds that the import reads (everything else is skipped with a note). */
const FOLDER_TEXT = /\.(md|markdown|txt|ya?ml|json|ts|js|graphql|gql|proto|sql|toml|xml|http|feature|py|go|rs|sh)$/i;

/**
 * The spec editor: Monaco (Markdown, prose wrapped), one title (the field edits the document's
 * first `#` heading), the completeness score computed in a Web Worker by the same code as the CLI,
 * the score as a checklist beside the findings, opening a file in any encoding, importing a Spec
 * Kit folder, save and submit.
 */
export function SpecEditor(props: {
  orgId: string;
  orgSlug: string;
  projectId: string;
  threshold: number;
  readOnly?: boolean;
  spec?: { id: string; title: string; markdown: string; status: string; importedTasks?: unknown; importWarnings?: unknown };
}) {
  const router = useRouter();
  const utils = trpc.useUtils();
  const [specId, setSpecId] = useState(props.spec?.id ?? null);
  const [markdown, setMarkdown] = useState(props.spec?.markdown ?? SPEC_TEMPLATE);
  const fallbackTitle = props.spec?.title ?? '';
  const title = specTitleOf(markdown, fallbackTitle);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const editorRef = useRef<editor.IStandaloneCodeEditor | null>(null);
  /**
   * The editor owns its text while someone types (it is not a controlled value: re-rendering a
   * controlled Monaco with a value one keystroke behind put the older text back and lost what was
   * typed in between on a busy machine). A change made outside it — the title field, an opened
   * file — is written into the editor here, and comes back through its onChange.
   */
  function replaceMarkdown(next: string) {
    setMarkdown(next);
    const ed = editorRef.current;
    if (ed && ed.getValue() !== next) ed.setValue(next);
  }
  const [editorReady, setEditorReady] = useState(false);
  // Grounding: the server says which of the names the spec gives its project's repository has.
  const ground = useCallback(
    (names: GroundingNames) => utils.spec.ground.fetch({ orgId: props.orgId, projectId: props.projectId, ...names }, { staleTime: 10_000 }),
    [utils, props.orgId, props.projectId],
  );
  const score = useSpecScore(markdown, props.threshold, ground);
  const result = score.result;
  const create = trpc.spec.create.useMutation();
  const update = trpc.spec.update.useMutation();
  const submit = trpc.spec.submit.useMutation();
  const importFolder = trpc.spec.importSpecKit.useMutation();
  const busy = create.isPending || update.isPending || submit.isPending || importFolder.isPending;
  const accepted = !!result && result.accepted && !score.pending;
  const canSubmit = accepted && !busy && !props.readOnly && title.trim().length > 0;
  const blockedReason = !result
    ? null
    : !result.accepted
      ? `The score is ${result.score}/100; this organization needs ${props.threshold} to plan a spec${result.findings.some((f) => f.blocking) ? ', and the errors marked as blocking must be fixed' : ''}. Fix the findings below.`
      : !title.trim()
        ? 'Give the spec a title.'
        : null;
  const imported = Array.isArray(props.spec?.importedTasks) ? (props.spec!.importedTasks as Array<{ done?: boolean }>) : null;
  const importWarnings = Array.isArray(props.spec?.importWarnings) ? (props.spec!.importWarnings as string[]) : [];
  const findings = useMemo(() => (result ? result.findings.filter((f) => !selected || f.concern === selected) : []), [result, selected]);

  async function save(): Promise<string | null> {
    setError(null);
    try {
      if (specId) {
        await update.mutateAsync({ orgId: props.orgId, specId, title: title || fallbackTitle, markdown });
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

  /** Opens a Markdown file from disk, whatever its encoding (decoded in the worker, like the CLI). */
  async function onOpenFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file || !score.worker) return;
    setError(null);
    const bytes = await file.arrayBuffer();
    const r = await score.worker.request({ kind: 'decode', id: score.worker.nextId(), name: file.name, bytes });
    if (r.kind !== 'decode') return;
    if (!r.ok) setError(r.error);
    else {
      // The editor keeps LF line ends (Monaco normalises them too): the text scored is the text shown.
      replaceMarkdown(r.text.split('\r\n').join('\n'));
      setNotice(`Opened ${file.name} (${r.encoding}).`);
    }
  }

  /** Imports a Spec Kit feature folder: every text file is decoded here and sent to the server. */
  async function onImportFolder(e: ChangeEvent<HTMLInputElement>) {
    const list = Array.from(e.target.files ?? []);
    e.target.value = '';
    if (!list.length || !score.worker) return;
    setError(null);
    const files: Array<{ path: string; content: string }> = [];
    const skipped: string[] = [];
    for (const f of list) {
      const path = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
      if (path.split('/').some((part) => part.startsWith('.')) || !FOLDER_TEXT.test(path)) {
        skipped.push(path);
        continue;
      }
      const r = await score.worker.request({ kind: 'decode', id: score.worker.nextId(), name: path, bytes: await f.arrayBuffer() });
      if (r.kind === 'decode' && r.ok) files.push({ path, content: r.text });
      else skipped.push(path);
    }
    try {
      const spec = await importFolder.mutateAsync({ orgId: props.orgId, projectId: props.projectId, files });
      void utils.spec.list.invalidate();
      router.push(`/o/${props.orgSlug}/projects/${props.projectId}/specs/${spec.id}?imported=${spec.tasks}`);
    } catch (err) {
      setError(`${(err as Error).message}${skipped.length ? ` (not read: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''})` : ''}`);
    }
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-4">
        <div className="min-w-[20rem] flex-1">
          <Field
            label="Spec title"
            value={title}
            placeholder="What this spec delivers"
            hint="The same as the document's first # heading."
            onChange={(e) => replaceMarkdown(withSpecTitle(markdown, e.target.value))}
            readOnly={props.readOnly}
            required
          />
        </div>
        <div className="flex items-center gap-2">
          <span className="text-sm text-slate-600">Completeness</span>
          <output
            aria-label="Completeness score"
            aria-live="polite"
            aria-busy={score.pending}
            data-score-ms={score.ms ?? undefined}
            data-scored-chars={score.pending ? undefined : (score.scoredChars ?? undefined)}
            data-grounding={score.pending ? undefined : (score.grounding ?? undefined)}
            title={
              score.grounding === 'checked'
                ? "The files, identifiers and npm scripts it names were checked against the project's repository."
                : score.grounding === 'no-checkout'
                  ? 'Names are not checked against the repository until Nightshift has a copy of it (after the first plan, run or question).'
                  : undefined
            }
            className={`rounded-md px-3 py-1 font-mono text-lg font-semibold ${accepted ? 'bg-emerald-100 text-emerald-900' : 'bg-amber-100 text-amber-900'}`}
          >
            {result ? `${result.score}/100` : '…'}
          </output>
        </div>
      </div>
      {imported && (
        <section aria-label="Imported plan" className="rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm">
          Imported from Spec Kit: {imported.length} tasks ({imported.filter((t) => t.done).length} done) are this spec&apos;s plan; planning runs the open ones in their order
          and asks the planner agent only to fill gaps.
          {importWarnings.length > 0 && (
            <details className="mt-1">
              <summary>{importWarnings.length} import warning{importWarnings.length === 1 ? '' : 's'}</summary>
              <ul className="list-disc pl-5">
                {importWarnings.slice(0, 50).map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </details>
          )}
        </section>
      )}
      <div className="grid gap-4 lg:grid-cols-[1fr_24rem]">
        <div
          className="overflow-hidden rounded-md border border-slate-300 bg-white"
          aria-label="Spec markdown editor"
          role="group"
          aria-busy={!editorReady}
          data-editor-ready={editorReady ? 'true' : 'false'}
        >
          <CodeEditor
            height="65vh"
            language="markdown"
            defaultValue={markdown}
            onChange={(v) => setMarkdown(v ?? '')}
            onMount={(ed) => {
              editorRef.current = ed;
              if (ed.getValue() !== markdown) ed.setValue(markdown);
              setEditorReady(true);
            }}
            loading={<p role="status" className="p-4 text-sm text-slate-500">Loading editor…</p>}
            options={{ readOnly: props.readOnly, wordWrap: 'on', wrappingIndent: 'same', accessibilitySupport: 'on', ariaLabel: 'Spec markdown', tabFocusMode: false }}
          />
        </div>
        <aside aria-label="Score" className="flex max-h-[65vh] flex-col gap-4 overflow-auto">
          {result && <ScoreChecklist result={result} selected={selected} onSelect={setSelected} grounding={score.pending ? null : score.grounding} />}
          <section aria-label="Findings" className="flex flex-col gap-2">
            <h2 className="text-sm font-semibold">
              Findings ({findings.length}
              {selected ? ` of ${result?.findings.length ?? 0}` : ''})
            </h2>
            {result && result.findings.length === 0 && <p className="text-sm text-slate-500">No findings: the spec is complete.</p>}
            <ul className="flex flex-col gap-2">
              {findings.map((f, i) => (
                <li key={`${f.code}-${f.line}-${i}`}>
                  <button
                    type="button"
                    onClick={() => jumpTo(f.line)}
                    className={`w-full rounded-md border px-3 py-2 text-left text-sm hover:bg-slate-50 ${f.severity === 'error' ? 'border-red-200' : f.severity === 'warning' ? 'border-amber-200' : 'border-slate-200'}`}
                  >
                    <span className="block text-xs font-medium text-slate-500">
                      {f.section}
                      {f.line ? ` · line ${f.line}` : ''}
                      {f.blocking ? ' · blocks submission' : ''}
                    </span>
                    {f.message}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
      <p className="text-xs text-slate-500">Keyboard: Ctrl+M switches Tab between indenting and moving focus out of the editor.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {notice && (
        <p role="status" className="text-sm text-emerald-700">
          {notice}
        </p>
      )}
      {!props.readOnly && (
        <div className="flex flex-wrap items-center gap-3">
          <Button
            variant="secondary"
            disabled={busy}
            onClick={async () => {
              setNotice(null);
              if (await save()) setNotice('Draft saved.');
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
          <label className="cursor-pointer rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-100">
            Open file…
            <input type="file" accept=".md,.markdown,.txt,text/markdown,text/plain" className="sr-only" aria-label="Open a spec file" onChange={onOpenFile} />
          </label>
          {!specId && (
            <label className="cursor-pointer rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-100">
              {importFolder.isPending ? 'Importing…' : 'Import Spec Kit folder…'}
              <input
                type="file"
                multiple
                className="sr-only"
                aria-label="Import a Spec Kit folder"
                onChange={onImportFolder}
                {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
              />
            </label>
          )}
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
