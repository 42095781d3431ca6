import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { OrgSettings } from '../db/schema';
import { AppError } from '../errors/app-error';
import { decryptSecret } from '../auth/crypto';
import { DEFAULT_BASE_URLS, ENV_KEYS } from '../llm/provider-config';
import { listProviderModels, type ListModelsResult } from '../llm/list-models';
import { DEFAULT_MODEL, defaultModelName, providerEnv } from '../llm/model-factory';
import { PROVIDERS, type ProviderName } from '../llm/types';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';
import { setSecret } from './secrets';

/**
 * The model providers an organisation connects in Settings → Models. A connection is nothing but
 * the organisation's secrets the model factory already reads (`ANTHROPIC_API_KEY`,
 * `OPENAI_BASE_URL`, `OLLAMA_HOST`…): this module names them per provider, checks what is typed,
 * and asks the provider for its models ("Test connection") through the outbound policy.
 *
 * "OpenAI" and "OpenAI-compatible" are one provider (`openai:` models) with or without a base URL,
 * so an organisation has one of them at a time.
 */
export const PROVIDER_KINDS = ['anthropic', 'openai', 'openai-compatible', 'ollama'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const PROVIDER_OF_KIND: Record<ProviderKind, ProviderName> = { anthropic: 'anthropic', openai: 'openai', 'openai-compatible': 'openai', ollama: 'ollama' };

/** Base URLs and hosts are settings, not credentials: they are shown back (keys never are). */
type ProviderSecrets = { key: string; url: string };
const SECRETS: Record<ProviderName, ProviderSecrets> = {
  anthropic: { key: ENV_KEYS.anthropic.apiKey, url: ENV_KEYS.anthropic.baseUrl },
  openai: { key: ENV_KEYS.openai.apiKey, url: ENV_KEYS.openai.baseUrl },
  ollama: { key: ENV_KEYS.ollama.apiKey, url: ENV_KEYS.ollama.baseUrl },
};

export type ProviderView = {
  provider: ProviderName;
  /** How it is connected: `openai-compatible` when the openai provider has a base URL of the organisation's. */
  kind: ProviderKind;
  connected: boolean;
  keySet: boolean;
  /** The organisation's base URL (or Ollama host), shown after saving; null: the provider's public endpoint. */
  baseUrl: string | null;
  defaultBaseUrl: string;
  updatedAt: Date | null;
  /** The models listed at the last successful "Test connection"; null: never tested. */
  models: string[] | null;
  modelsCheckedAt: string | null;
  /** The server's own environment supplies a key or URL for this provider (used when the organisation has none). */
  fromServer: boolean;
};

type SecretRow = { name: string; ciphertext: string; updated_at: Date };

async function providerSecretRows(db: DB, orgId: string): Promise<Map<string, SecretRow>> {
  const names = PROVIDERS.flatMap((p) => [SECRETS[p].key, SECRETS[p].url]);
  const rows = await db.selectFrom('org_secrets').select(['name', 'ciphertext', 'updated_at']).where('org_id', '=', orgId).where('name', 'in', names).execute();
  return new Map(rows.map((r) => [r.name, r]));
}

function readValue(row: SecretRow | undefined): string | null {
  if (!row) return null;
  try {
    return decryptSecret(row.ciphertext);
  } catch {
    return null; // the encryption key was rotated: treated as not set
  }
}

function providerModelsOf(settings: unknown): NonNullable<OrgSettings['providerModels']> {
  return ((settings ?? {}) as OrgSettings).providerModels ?? {};
}

/**
 * What Settings → Models shows: every provider with its connection (never a key), the models it
 * listed, the organisation's model choice and the deployment's default. Readable by every member,
 * so a member's Settings says which models the team runs with.
 */
export async function getModelProviders(db: DB, scope: OrgScope, env: Record<string, string | undefined> = process.env) {
  const [rows, org] = await Promise.all([
    providerSecretRows(db, scope.orgId),
    db.selectFrom('organizations').select('settings').where('id', '=', scope.orgId).executeTakeFirst(),
  ]);
  if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
  const listed = providerModelsOf(org.settings);
  const providers: ProviderView[] = PROVIDERS.map((provider) => {
    const names = SECRETS[provider];
    const key = rows.get(names.key);
    const url = rows.get(names.url);
    const baseUrl = readValue(url);
    const updated = [key?.updated_at, url?.updated_at].filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    return {
      provider,
      kind: provider === 'openai' && baseUrl ? 'openai-compatible' : provider,
      connected: Boolean(key || url),
      keySet: Boolean(key),
      baseUrl,
      defaultBaseUrl: DEFAULT_BASE_URLS[provider],
      updatedAt: updated,
      models: listed[provider]?.models ?? null,
      modelsCheckedAt: listed[provider]?.checkedAt ?? null,
      fromServer: Boolean(env[names.key] || env[names.url]),
    };
  });
  return { providers, deploymentDefault: defaultModelName(env), builtInDefault: DEFAULT_MODEL, canEdit: scope.role === 'owner' || scope.role === 'admin' };
}

/** `http(s)://…` for every provider; Ollama also takes `host:port` as OLLAMA_HOST does. */
export function baseUrlProblem(kind: ProviderKind, value: string): string | null {
  const v = value.trim();
  const withScheme = kind === 'ollama' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? `http://${v}` : v;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return kind === 'ollama' ? 'must be a URL or host:port, e.g. http://gpu-box:11434' : 'must be a URL, e.g. https://api.example.com/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username || url.password) return 'must not contain a user name or password: put the key in the API key field';
  if (url.search || url.hash) return 'must not contain ?query or #fragment';
  return null;
}

const LABEL: Record<ProviderKind, string> = { anthropic: 'Anthropic', openai: 'OpenAI', 'openai-compatible': 'OpenAI-compatible', ollama: 'Ollama' };

export type ProviderInput = { kind: ProviderKind; apiKey?: string; baseUrl?: string };

/**
 * Saves a provider's connection as the organisation's secrets: a blank key keeps the saved one.
 * Anthropic and OpenAI need a key; OpenAI-compatible needs a base URL; choosing OpenAI drops a
 * compatible server's base URL (they share `openai:`). The saved connection is then tested: its
 * model list replaces the one listed before (or is forgotten when the test fails), and `test` says how it went.
 */
export async function saveModelProvider(db: DB, scope: OrgScope, input: ProviderInput, opts: { env?: Record<string, string | undefined>; fetch?: typeof fetch } = {}) {
  requireRole(scope, 'admin');
  const provider = PROVIDER_OF_KIND[input.kind];
  const names = SECRETS[provider];
  const apiKey = input.apiKey?.trim() || undefined;
  const baseUrl = input.baseUrl?.trim() || undefined;
  if (baseUrl) {
    const problem = baseUrlProblem(input.kind, baseUrl);
    if (problem) throw new AppError('BAD_REQUEST', `Base URL ${problem}`);
  }
  const rows = await providerSecretRows(db, scope.orgId);
  if ((input.kind === 'anthropic' || input.kind === 'openai') && !apiKey && !rows.has(names.key)) {
    throw new AppError('BAD_REQUEST', `${LABEL[input.kind]} needs an API key`);
  }
  if (input.kind === 'openai-compatible' && !baseUrl && !rows.has(names.url)) {
    throw new AppError('BAD_REQUEST', 'An OpenAI-compatible server needs its base URL, e.g. http://gpu-box:8000/v1');
  }
  if (input.kind === 'openai' && baseUrl) throw new AppError('BAD_REQUEST', 'OpenAI uses its public endpoint; for another server choose OpenAI-compatible');
  await db.transaction().execute(async (trx) => {
    if (apiKey) await setSecret(trx, scope, { name: names.key, value: apiKey });
    if (baseUrl) await setSecret(trx, scope, { name: names.url, value: baseUrl.replace(/\/+$/, '') });
    if (input.kind === 'openai') await trx.deleteFrom('org_secrets').where('org_id', '=', scope.orgId).where('name', '=', names.url).execute();
    await forgetModels(trx, scope.orgId, provider);
  });
  // What was saved is tested at once: its model list is kept for the pickers, or the problem said.
  const test = await testModelProvider(db, scope, { kind: input.kind }, opts);
  return { ...(await getModelProviders(db, scope)), test };
}

/** Deletes a provider's key and base URL: its models are no longer reachable with the organisation's settings. */
export async function disconnectModelProvider(db: DB, scope: OrgScope, input: { provider: ProviderName }) {
  requireRole(scope, 'admin');
  const names = SECRETS[input.provider];
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('org_secrets').where('org_id', '=', scope.orgId).where('name', 'in', [names.key, names.url]).execute();
    await forgetModels(trx, scope.orgId, input.provider);
  });
  return getModelProviders(db, scope);
}

async function forgetModels(db: DB, orgId: string, provider: ProviderName) {
  await db
    .updateTable('organizations')
    .set({ settings: sql`coalesce(settings, '{}'::jsonb) #- ${sql.lit(`{providerModels,${provider}}`)}::text[]` })
    .where('id', '=', orgId)
    .execute();
}

export type TestConnectionResult = ListModelsResult & { provider: ProviderName; kind: ProviderKind };

/**
 * "Test connection": lists the provider's models with what a run would use — the values typed
 * (not yet saved), else the organisation's saved ones, else the server's environment — through
 * the outbound policy. A success keeps the list for the model pickers. The key is never returned.
 */
export async function testModelProvider(
  db: DB,
  scope: OrgScope,
  input: ProviderInput,
  opts: { env?: Record<string, string | undefined>; fetch?: typeof fetch } = {},
): Promise<TestConnectionResult> {
  requireRole(scope, 'admin');
  const env = opts.env ?? process.env;
  const provider = PROVIDER_OF_KIND[input.kind];
  const names = SECRETS[provider];
  const typedUrl = input.baseUrl?.trim() || undefined;
  if (typedUrl) {
    const problem = baseUrlProblem(input.kind, typedUrl);
    if (problem) throw new AppError('BAD_REQUEST', `Base URL ${problem}`);
  }
  if (input.kind === 'openai' && typedUrl) throw new AppError('BAD_REQUEST', 'OpenAI uses its public endpoint; for another server choose OpenAI-compatible');
  const rows = await providerSecretRows(db, scope.orgId);
  // OpenAI (not compatible) ignores a compatible server's saved URL: saving it drops that URL.
  const savedUrl = input.kind === 'openai' ? null : readValue(rows.get(names.url));
  if (input.kind === 'openai-compatible' && !typedUrl && !savedUrl) {
    throw new AppError('BAD_REQUEST', 'An OpenAI-compatible server needs its base URL, e.g. http://gpu-box:8000/v1');
  }
  // What a run would read, by the model factory's rule: the organisation's pair, else the server's.
  const own: Record<string, string | undefined> = {
    [names.key]: input.apiKey?.trim() || readValue(rows.get(names.key)) || undefined,
    [names.url]: typedUrl ?? savedUrl ?? undefined,
  };
  const resolved = providerEnv(own, env);
  const result = await listProviderModels({ provider, baseUrl: resolved[names.url] ?? DEFAULT_BASE_URLS[provider], apiKey: resolved[names.key], fetch: opts.fetch });
  if (result.ok) {
    const entry = { models: result.models, checkedAt: new Date().toISOString(), endpoint: result.endpoint };
    await db
      .updateTable('organizations')
      .set({
        settings: sql`jsonb_set(coalesce(settings, '{}'::jsonb) || jsonb_build_object('providerModels', coalesce(settings->'providerModels', '{}'::jsonb)), ${sql.lit(`{providerModels,${provider}}`)}::text[], ${JSON.stringify(entry)}::jsonb)`,
      })
      .where('id', '=', scope.orgId)
      .execute();
  }
  return { ...result, provider, kind: input.kind };
}
