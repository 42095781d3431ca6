import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { decryptSecret, encryptSecret } from '../auth/crypto';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/** Secrets are write-only through the API: listing returns names and dates, never values. */
export async function listSecrets(db: DB, scope: OrgScope) {
  requireRole(scope, 'admin');
  return db
    .selectFrom('org_secrets')
    .select(['id', 'name', 'created_at as createdAt', 'updated_at as updatedAt'])
    .where('org_id', '=', scope.orgId)
    .orderBy('name')
    .execute();
}

export async function setSecret(db: DB, scope: OrgScope, input: { name: string; value: string }) {
  requireRole(scope, 'admin');
  const ciphertext = encryptSecret(input.value);
  const row = await db
    .insertInto('org_secrets')
    .values({ org_id: scope.orgId, name: input.name, ciphertext })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ ciphertext, updated_at: new Date() }))
    .returning(['id', 'name', 'updated_at as updatedAt'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function deleteSecret(db: DB, scope: OrgScope, input: { secretId: string }) {
  requireRole(scope, 'admin');
  const res = await db.deleteFrom('org_secrets').where('org_id', '=', scope.orgId).where('id', '=', input.secretId).executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', 'Secret not found');
  return { deleted: true };
}

/** Server-side only (workers building a provider client): never exposed through tRPC. */
export async function readSecret(db: DB, orgId: string, name: string): Promise<string | null> {
  const row = await db
    .selectFrom('org_secrets')
    .select('ciphertext')
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? decryptSecret(row.ciphertext) : null;
}

/** Organisations whose secret `name` holds exactly `value` (e.g. the GitHub App installation id a webhook names). */
export async function orgsWithSecretValue(db: DB, name: string, value: string): Promise<string[]> {
  const rows = await db.selectFrom('org_secrets').select(['org_id', 'ciphertext']).where('name', '=', name).execute();
  return rows.filter((r) => decryptSecret(r.ciphertext).trim() === value).map((r) => r.org_id);
}

/**
 * Settings kept in the secret store for convenience that are identifiers, not credentials. They are
 * short numbers or public URLs: redacting them everywhere would mangle ordinary text (line counts,
 * ids in code) without protecting anything.
 */
const NOT_SECRET_SETTINGS = new Set(['GITHUB_APP_ID', 'GITHUB_APP_INSTALLATION_ID', 'GITHUB_API_URL']);

/**
 * Server-side only: an organisation's secrets as an environment for building provider clients
 * (`env`, e.g. ANTHROPIC_API_KEY, OPENAI_BASE_URL), and the values to scrub from prompts and output
 * (`secrets`: every value except base URLs, hosts and NOT_SECRET_SETTINGS). A secret that no longer decrypts (the key
 * was rotated) is skipped rather than failing the work that needed the others.
 */
export async function orgProviderSettings(db: DB, orgId: string): Promise<{ env: Record<string, string>; secrets: string[] }> {
  const rows = await db.selectFrom('org_secrets').select(['name', 'ciphertext']).where('org_id', '=', orgId).execute();
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const r of rows) {
    try {
      const value = decryptSecret(r.ciphertext);
      env[r.name] = value;
      if (!/_(BASE_URL|HOST)$/.test(r.name) && !NOT_SECRET_SETTINGS.has(r.name)) secrets.push(value);
    } catch {
      /* skipped: see above */
    }
  }
  return { env, secrets };
}
