'use client';
import { useId, useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, Empty, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** Every skill (built-in and uploaded) with its switch, and the upload form. */
export function Skills({ orgId, canEdit = true }: { orgId: string; canEdit?: boolean }) {
  const utils = trpc.useUtils();
  const skills = trpc.agentSettings.skills.useQuery({ orgId });
  const refresh = () => utils.agentSettings.skills.invalidate({ orgId });
  const toggle = trpc.agentSettings.setSkillEnabled.useMutation({ onSuccess: refresh });
  const upload = trpc.agentSettings.uploadSkill.useMutation({ onSuccess: refresh });
  const remove = trpc.agentSettings.deleteSkill.useMutation({ onSuccess: refresh });
  const [error, setError] = useState<string | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const manifestId = useId();

  async function onUpload(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setUploaded(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    try {
      const res = await upload.mutateAsync({ orgId, name: String(form.get('name') ?? '').trim(), manifest: String(form.get('manifest') ?? '') });
      setUploaded(res.name);
      el.reset();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Skills">
      <p className="mb-3 text-sm text-slate-600">Agents see only enabled skills. Switching one off applies to tasks that start afterwards.</p>
      {skills.isLoading && <Loading />}
      <ErrorMessage>{skills.error?.message}</ErrorMessage>
      {skills.data?.length === 0 && <Empty>No skills installed.</Empty>}
      <ul aria-label="Skills" className="flex flex-col gap-2 text-sm">
        {skills.data?.map((s) => (
          <li key={s.name} className="flex items-start gap-3">
            <input
              id={`skill-${s.name}`}
              type="checkbox"
              role="switch"
              aria-checked={s.enabled}
              checked={s.enabled}
              disabled={!canEdit || toggle.isPending}
              aria-describedby={`skill-${s.name}-desc`}
              onChange={(e) => toggle.mutate({ orgId, name: s.name, enabled: e.target.checked })}
              className="mt-1"
            />
            <div className="flex-1">
              <label htmlFor={`skill-${s.name}`} className="font-mono font-medium">
                {s.name}
              </label>
              <p id={`skill-${s.name}-desc`} className="text-slate-600">
                {s.description || '(no description)'} <span className="text-slate-400">· {s.category} · {s.source}</span>
              </p>
              {s.error && <p className="text-red-700">This upload no longer validates and is not given to agents: {s.error}</p>}
            </div>
            {canEdit && s.source === 'uploaded' && (
              <Button variant="secondary" aria-label={`Delete skill ${s.name}`} disabled={remove.isPending} onClick={() => remove.mutate({ orgId, name: s.name })}>
                Delete
              </Button>
            )}
          </li>
        ))}
      </ul>
      <ErrorMessage>{toggle.error?.message ?? remove.error?.message}</ErrorMessage>

      {canEdit ? (
        <>
      <h3 className="mt-5 mb-2 font-semibold">Upload a skill</h3>
      <form onSubmit={onUpload} aria-label="Upload a skill" className="flex flex-col gap-3">
        <Field label="Skill name" name="name" placeholder="billing-rules" hint="kebab-case; the same as name: in the frontmatter" required autoComplete="off" />
        <div className="flex flex-col gap-1">
          <label htmlFor={manifestId} className="text-sm font-medium text-slate-700">
            SKILL.md
          </label>
          <textarea
            id={manifestId}
            name="manifest"
            required
            rows={10}
            placeholder={'---\nname: billing-rules\ndescription: One line saying when to use it.\ncategory: domain\ncues: [invoice]\n---\nThe guidance, step by step.'}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm"
          />
        </div>
        <div>
          <Button type="submit" disabled={upload.isPending}>
            Upload skill
          </Button>
        </div>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{uploaded && `Skill ${uploaded} uploaded and enabled.`}</SavedMessage>
        </>
      ) : (
        <p className="mt-3 text-sm text-slate-600">Owners and admins switch skills and upload new ones.</p>
      )}
    </Card>
  );
}

/** View a built-in prompt, save overrides (each a version), revert to a version or the built-in file. */
export function Prompts({ orgId, canEdit = true }: { orgId: string; canEdit?: boolean }) {
  const utils = trpc.useUtils();
  const files = trpc.agentSettings.prompts.useQuery({ orgId });
  const [path, setPath] = useState<string>('');
  const selected = path || files.data?.[0]?.path || '';
  const prompt = trpc.agentSettings.prompt.useQuery({ orgId, path: selected }, { enabled: !!selected });
  const refresh = async () => {
    await Promise.all([utils.agentSettings.prompt.invalidate({ orgId, path: selected }), utils.agentSettings.prompts.invalidate({ orgId })]);
  };
  const save = trpc.agentSettings.savePrompt.useMutation({ onSuccess: refresh });
  const revert = trpc.agentSettings.revertPrompt.useMutation({ onSuccess: refresh });
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const selectId = useId();
  const editorId = useId();

  async function onSave(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      const res = await save.mutateAsync({ orgId, path: selected, content: String(new FormData(e.currentTarget).get('content') ?? '') });
      setStatus(`Saved ${res.path} as version ${res.version}.`);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function onRevert(version: number | null) {
    setError(null);
    setStatus(null);
    try {
      const res = await revert.mutateAsync({ orgId, path: selected, version });
      setStatus(version === null ? `${res.path} uses the built-in file again (version ${res.version}).` : `Reverted ${res.path} to version ${version} (saved as version ${res.version}).`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Prompts">
      <p className="mb-3 text-sm text-slate-600">Overrides replace a built-in prompt file for this organization&apos;s agents; keep its frontmatter id.</p>
      {files.isLoading && <Loading />}
      <ErrorMessage>{files.error?.message}</ErrorMessage>
      {files.data?.length === 0 && <Empty>No prompt files found.</Empty>}
      {files.data && files.data.length > 0 && (
        <div className="flex flex-col gap-3">
          <label htmlFor={selectId} className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Prompt file
            <select
              id={selectId}
              value={selected}
              onChange={(e) => {
                setPath(e.target.value);
                setError(null);
                setStatus(null);
              }}
              className="rounded-md border border-slate-300 bg-white px-2 py-2 font-mono"
            >
              {files.data.map((f) => (
                <option key={f.path} value={f.path}>
                  {f.path}
                  {f.overriddenVersion !== null ? ` (override v${f.overriddenVersion})` : ''}
                </option>
              ))}
            </select>
          </label>
          {prompt.isLoading && <Loading label="Loading prompt…" />}
          <ErrorMessage>{prompt.error?.message}</ErrorMessage>
          {prompt.data && (
            <>
              <p className="text-sm text-slate-600" role="status">
                {prompt.data.activeVersion === null ? 'Using the built-in file.' : `Using override version ${prompt.data.activeVersion}.`}
              </p>
              {/* Keyed by path and version so the editor shows the active text after a save or revert. */}
              <form key={`${selected}:${prompt.data.activeVersion}:${prompt.data.versions.length}`} onSubmit={onSave} className="flex flex-col gap-3">
                <label htmlFor={editorId} className="text-sm font-medium text-slate-700">
                  Prompt text
                </label>
                <textarea id={editorId} name="content" defaultValue={prompt.data.content} rows={18} spellCheck={false} readOnly={!canEdit} className="rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs shadow-sm" />
                {canEdit && (
                <div className="flex flex-wrap gap-3">
                  <Button type="submit" disabled={save.isPending}>
                    Save override
                  </Button>
                  <Button type="button" variant="secondary" disabled={revert.isPending || prompt.data.activeVersion === null} onClick={() => onRevert(null)}>
                    Revert to built-in
                  </Button>
                </div>
                )}
              </form>
              <h3 className="mt-2 font-semibold">Versions</h3>
              {prompt.data.versions.length === 0 ? (
                <Empty>No overrides saved for this prompt.</Empty>
              ) : (
                <ul aria-label="Prompt versions" className="flex flex-col gap-1 text-sm">
                  {prompt.data.versions.map((v) => (
                    <li key={v.version} className="flex items-center gap-3">
                      <span>
                        Version {v.version} {v.revertsToBuiltIn ? '(built-in)' : ''} by {v.author ?? 'a removed user'}, {new Date(v.createdAt).toLocaleString()}
                        {v.version === prompt.data.activeVersion ? ' — active' : ''}
                      </span>
                      {canEdit && !v.revertsToBuiltIn && v.version !== prompt.data.activeVersion && (
                        <Button variant="secondary" aria-label={`Revert to version ${v.version}`} disabled={revert.isPending} onClick={() => onRevert(v.version)}>
                          Revert
                        </Button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{status}</SavedMessage>
    </Card>
  );
}
