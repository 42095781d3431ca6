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
