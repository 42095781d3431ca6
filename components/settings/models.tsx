'use client';
import { useId, useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { Button, Card, ConfirmButton, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

type Kind = 'anthropic' | 'openai' | 'openai-compatible' | 'ollama';
type Provider = 'anthropic' | 'openai' | 'ollama';

/** The picker's choices; "OpenAI" and "OpenAI-compatible" are both `openai:` models. */
const KINDS: Array<{ kind: Kind; label: string; about: string }> = [
  { kind: 'anthropic', label: 'Anthropic', about: 'Claude models (the default: anthropic:claude-sonnet-4-5).' },
  { kind: 'openai', label: 'OpenAI', about: 'GPT models on api.openai.com.' },
  { kind: 'openai-compatible', label: 'OpenAI-compatible', about: 'Any server speaking OpenAI’s chat API: vLLM, llama.cpp, LM Studio, OpenRouter, Groq, DeepSeek, xAI…' },
  { kind: 'ollama', label: 'Ollama', about: 'Local models served by Ollama.' },
];

const PROVIDER_LABEL: Record<Provider, string> = { anthropic: 'Anthropic', openai: 'OpenAI', ollama: 'Ollama' };
const KIND_LABEL: Record<Kind, string> = { anthropic: 'Anthropic', openai: 'OpenAI', 'openai-compatible': 'OpenAI-compatible', ollama: 'Ollama' };
const ROLE_LABELS: Record<string, string> = { planner: 'Planner', architect: 'Architect', developer: 'Developer', qa: 'QA', reviewer: 'Reviewer' };

type TestResult = { ok: true; endpoint: string; models: string[] } | { ok: false; endpoint: string; status: number | null; error: string };

/**
 * Settings → Models, the connection: pick a provider, give its key and (where it has one) its base
 * URL, "Test connection" asks the provider for its models with what a run would use, "Save"
 * keeps it as the organisation's secrets. Keys are never shown again; base URLs are.
 */
export function ModelProviders({ orgId, canEdit }: { orgId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const view = trpc.models.providers.useQuery({ orgId });
  const refresh = () => Promise.all([utils.models.providers.invalidate({ orgId }), utils.secret.list.invalidate({ orgId })]);
  const save = trpc.models.saveProvider.useMutation({ onSuccess: refresh });
  const test = trpc.models.testProvider.useMutation({ onSuccess: (r) => (r.ok ? refresh() : undefined) });
  const disconnect = trpc.models.disconnectProvider.useMutation({ onSuccess: refresh });
  const [chosen, setKind] = useState<Kind | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [result, setResult] = useState<(TestResult & { kind: Kind }) | null>(null);
  const formId = useId();

  if (view.isLoading) return <Loading />;
  if (view.error) return <ErrorMessage>{view.error.message}</ErrorMessage>;
  const data = view.data!;
  const connected = data.providers.filter((p) => p.connected);
  // The picker opens on the connected provider (the first one), else on Anthropic, the default.
  const kind: Kind = chosen ?? connected[0]?.kind ?? 'anthropic';
  const current = data.providers.find((p) => p.provider === (kind === 'openai-compatible' ? 'openai' : kind))!;
  const sameKind = current.connected && current.kind === kind;

  function values(form: HTMLFormElement) {
    const f = new FormData(form);
    return { kind, apiKey: String(f.get('apiKey') ?? '').trim() || undefined, baseUrl: String(f.get('baseUrl') ?? '').trim() || undefined };
  }
  async function onSave(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    setResult(null);
    const el = e.currentTarget;
    try {
      const res = await save.mutateAsync({ orgId, ...values(el) });
      const key = el.elements.namedItem('apiKey');
      if (key instanceof HTMLInputElement) key.value = '';
      setSaved(`${KIND_LABEL[kind]} saved.`);
      setResult({ ...res.test, kind });
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function onTest(form: HTMLFormElement | null) {
    if (!form) return;
    setError(null);
    setSaved(null);
    setResult(null);
    try {
      const r = await test.mutateAsync({ orgId, ...values(form) });
      setResult({ ...r, kind });
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Model provider">
      <p className="mb-3 text-sm text-slate-600">
        Agents run on the models of the provider you connect. With none connected, Nightshift uses <strong>Anthropic</strong>:{' '}
        <code>{data.builtInDefault}</code>
        {data.deploymentDefault !== data.builtInDefault && (
          <>
            {' '}
            — on this server <code>{data.deploymentDefault}</code> (its <code>NIGHTSHIFT_DEFAULT_MODEL</code>)
          </>
        )}
        .
      </p>
      <h3 className="mb-1 font-semibold">Connected</h3>
      <ul aria-label="Connected providers" className="mb-4 flex flex-col gap-2 text-sm">
        {connected.length === 0 && (
          <li className="text-slate-600">
            None yet.{' '}
            {data.providers.some((p) => p.fromServer)
              ? `This server supplies ${data.providers
                  .filter((p) => p.fromServer)
                  .map((p) => PROVIDER_LABEL[p.provider])
                  .join(' and ')} itself, so runs work without one; connect your own to choose models.`
              : 'Connect one below before the first run.'}
          </li>
        )}
        {connected.map((p) => (
          <li key={p.provider} className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-slate-200 p-3">
            <div className="min-w-0 break-words">
              <strong>{KIND_LABEL[p.kind]}</strong> · {p.keySet ? 'key saved' : 'no key'} · <span className="font-mono">{p.baseUrl ?? `${p.defaultBaseUrl} (default)`}</span>
              <br />
              <span className="text-slate-600">
                {p.models ? `${p.models.length} models listed ${p.modelsCheckedAt ? new Date(p.modelsCheckedAt).toLocaleString() : ''}` : 'Models not listed yet: test the connection.'}
              </span>
            </div>
            {canEdit && (
              <ConfirmButton
                label="Disconnect"
                accessibleName={`Disconnect ${KIND_LABEL[p.kind]}`}
                confirmLabel={`Delete the ${PROVIDER_LABEL[p.provider]} key and URL`}
                disabled={disconnect.isPending}
                onConfirm={() => disconnect.mutateAsync({ orgId, provider: p.provider }).then(() => setSaved(`${KIND_LABEL[p.kind]} disconnected.`), () => undefined)}
              />
            )}
          </li>
        ))}
      </ul>
      {canEdit ? (
        <form id={formId} onSubmit={onSave} className="flex flex-col gap-4" aria-label="Connect a provider">
          <fieldset>
            <legend className="mb-2 text-sm font-medium text-slate-700">Provider</legend>
            <div className="grid gap-2 sm:grid-cols-2">
              {KINDS.map((k) => (
                <label key={k.kind} className={`flex cursor-pointer gap-2 rounded-md border p-3 text-sm ${kind === k.kind ? 'border-indigo-500 bg-indigo-50' : 'border-slate-200'}`}>
                  <input
                    type="radio"
                    name="kind"
                    value={k.kind}
                    checked={kind === k.kind}
                    onChange={() => {
                      setKind(k.kind);
                      setResult(null);
                      setError(null);
                      setSaved(null);
                    }}
                    className="mt-1"
                  />
                  <span>
                    <span className="font-medium">{k.label}</span>
                    <br />
                    <span className="text-slate-600">{k.about}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {/* Keyed by provider so switching clears what was typed for another one. */}
          <div key={kind} className="grid gap-3 sm:grid-cols-2">
            {(kind === 'openai-compatible' || kind === 'ollama') && (
              <Field
                label={kind === 'ollama' ? 'Ollama host' : 'Base URL'}
                name="baseUrl"
                defaultValue={sameKind ? (current.baseUrl ?? '') : ''}
                placeholder={kind === 'ollama' ? current.defaultBaseUrl : 'http://gpu-box:8000/v1'}
                hint={kind === 'ollama' ? 'Blank: this server’s OLLAMA_HOST, else 127.0.0.1:11434.' : 'The URL its chat API is under (usually ends in /v1).'}
                required={kind === 'openai-compatible' && !sameKind}
                autoComplete="off"
              />
            )}
            {kind === 'anthropic' && (
              <Field
                label="Base URL (optional)"
                name="baseUrl"
                defaultValue={current.baseUrl ?? ''}
                placeholder={current.defaultBaseUrl}
                hint="Only for a gateway or proxy in front of Anthropic."
                autoComplete="off"
              />
            )}
            <Field
              label={kind === 'openai-compatible' || kind === 'ollama' ? 'API key (if the server needs one)' : 'API key'}
              name="apiKey"
              type="password"
              autoComplete="off"
              placeholder={sameKind && current.keySet ? 'saved — leave blank to keep' : kind === 'anthropic' ? 'sk-ant-…' : kind === 'openai' ? 'sk-…' : ''}
              required={(kind === 'anthropic' || kind === 'openai') && !(sameKind && current.keySet)}
            />
          </div>
          <div className="flex flex-wrap gap-3">
            <Button type="button" variant="secondary" disabled={test.isPending} onClick={(e) => void onTest(e.currentTarget.form)}>
              {test.isPending ? 'Testing…' : 'Test connection'}
            </Button>
            <Button type="submit" disabled={save.isPending}>
              Save provider
            </Button>
          </div>
        </form>
      ) : (
        <p className="text-sm text-slate-600">Owners and admins connect providers.</p>
      )}
      {result?.ok && (
        <p role="status" aria-label="Connection test" className="mt-3 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-900">
          Connected to {KIND_LABEL[result.kind]}: {result.models.length} models listed by <span className="break-all font-mono">{result.endpoint}</span>
          {result.models.length > 0 && <> ({result.models.slice(0, 5).join(', ')}{result.models.length > 5 ? ', …' : ''})</>}.
        </p>
      )}
      {result && !result.ok && (
        <p role="alert" aria-label="Connection test" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {KIND_LABEL[result.kind]} did not accept the connection ({result.endpoint}): {result.error}
        </p>
      )}
      <ErrorMessage>{error ?? disconnect.error?.message}</ErrorMessage>
      <SavedMessage>{saved}</SavedMessage>
    </Card>
  );
}

type Option = { value: string; label: string };
type Group = { label: string; options: Option[] };

const OTHER = '__other';

/**
 * A model chosen from the providers' lists, or typed as provider:model ("Other"). The value is
 * posted in a hidden field named `name`.
 */
function ModelPicker({ label, name, value, groups, blankLabel, disabled }: { label: string; name: string; value: string; groups: Group[]; blankLabel: string; disabled: boolean }) {
  const listed = groups.some((g) => g.options.some((o) => o.value === value));
  const [choice, setChoice] = useState(value === '' ? '' : listed ? value : OTHER);
  const [typed, setTyped] = useState(listed ? '' : value);
  const id = useId();
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <select id={id} value={choice} disabled={disabled} onChange={(e) => setChoice(e.target.value)} className="min-w-0 rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
        <option value="">{blankLabel}</option>
        {groups.map((g) => (
          <optgroup key={g.label} label={g.label}>
            {g.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </optgroup>
        ))}
        <option value={OTHER}>Other (type provider:model)…</option>
      </select>
      {choice === OTHER && (
        <Field label={`${label}: provider:model`} value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="anthropic:claude-sonnet-4-5" disabled={disabled} autoComplete="off" />
      )}
      <input type="hidden" name={name} value={choice === OTHER ? typed.trim() : choice} />
    </div>
  );
}

/**
 * Which model each use gets: the organisation's default (planner, roles, Ask about this
 * repository, evals, runs started through the API) and, optionally, one per role — chosen from the
 * models the connected providers listed.
 */
export function ModelChoice({ orgId, canEdit }: { orgId: string; canEdit: boolean }) {
  const utils = trpc.useUtils();
  const current = trpc.agentSettings.defaultModels.useQuery({ orgId });
  const providers = trpc.models.providers.useQuery({ orgId });
  const save = trpc.agentSettings.setDefaultModels.useMutation({
    onSuccess: () => Promise.all([utils.agentSettings.defaultModels.invalidate({ orgId }), utils.planning.defaultModel.invalidate({ orgId })]),
  });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  if (current.isLoading || providers.isLoading) return <Loading />;
  if (current.error) return <ErrorMessage>{current.error.message}</ErrorMessage>;
  const data = current.data!;
  const groups: Group[] = (providers.data?.providers ?? [])
    .filter((p) => p.models?.length)
    .map((p) => ({ label: `${PROVIDER_LABEL[p.provider]} (${p.models!.length})`, options: p.models!.map((m) => ({ value: `${p.provider}:${m}`, label: `${p.provider}:${m}` })) }));
  const effectiveDefault = data.defaultModel ?? data.deploymentDefault;

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const form = new FormData(e.currentTarget);
    const models = Object.fromEntries(data.roles.map((r) => [r, String(form.get(r) ?? '').trim()]));
    try {
      await save.mutateAsync({ orgId, models, defaultModel: String(form.get('defaultModel') ?? '').trim() });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <Card title="Models per use">
      <p className="mb-3 text-sm text-slate-600">
        The default model runs the planner, every role without a model of its own, <em>Ask about this repository</em> and runs started without a model; an eval runs
        the model it names, with these providers’ keys. Lists come from each connected provider’s last successful test.
      </p>
      {groups.length === 0 && <p className="mb-3 text-sm text-amber-800">No provider has listed its models yet: test a connection above, or choose “Other” and type provider:model.</p>}
      {/* Keyed by the saved values and the lists, so the pickers show them again after a save or a test. */}
      <form key={JSON.stringify([data.models, data.defaultModel, groups.map((g) => g.label)])} onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Models per use">
        <ModelPicker label="Default model" name="defaultModel" value={data.defaultModel ?? ''} groups={groups} blankLabel={`This server’s default (${data.deploymentDefault})`} disabled={!canEdit} />
        <div className="grid gap-3 sm:grid-cols-2">
          {data.roles.map((role) => (
            <ModelPicker
              key={role}
              label={`${ROLE_LABELS[role] ?? role} model`}
              name={role}
              value={data.models[role as keyof typeof data.models] ?? ''}
              groups={groups}
              blankLabel={`The default (${effectiveDefault})`}
              disabled={!canEdit}
            />
          ))}
        </div>
        {canEdit && (
          <div>
            <Button type="submit" disabled={save.isPending}>
              Save models
            </Button>
          </div>
        )}
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved && 'Models saved.'}</SavedMessage>
    </Card>
  );
}
