import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { hashToken, randomToken } from '../auth/crypto';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

export const API_TOKEN_PREFIX = 'nst';

/** Creates an org API token. The plain token is returned once and stored only as a hash. */
export async function createApiToken(db: DB, scope: { orgId: string; userId: string | null }, input: { name: string }) {
  const token = randomToken(API_TOKEN_PREFIX);
  const row = await db
    .insertInto('api_tokens')
    .values({
      org_id: scope.orgId,
      name: input.name.trim(),
      token_hash: hashToken(token),
      prefix: token.slice(0, 10),
      created_by: scope.userId,
    })
    .returning(['id', 'name', 'prefix', 'created_at as createdAt'])
    .executeTakeFirstOrThrow();
  return { ...row, token };
}

export async function createApiTokenAsMember(db: DB, scope: OrgScope, input: { name: string }) {
  requireRole(scope, 'admin');
  return createApiToken(db, scope, input);
}

export async function listApiTokens(db: DB, scope: OrgScope) {
  requireRole(scope, 'admin');
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'created_at as createdAt', 'last_used_at as lastUsedAt', 'revoked_at as revokedAt'])
    .where('org_id', '=', scope.orgId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiToken(db: DB, scope: OrgScope, input: { tokenId: string }) {
  requireRole(scope, 'admin');
  const res = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new AppError('NOT_FOUND', 'Token not found');
  return { revoked: true };
}

/** Resolves a bearer token to its organisation, or null. */
export async function authenticateApiToken(db: DB, token: string): Promise<{ orgId: string; tokenId: string } | null> {
  if (!token.startsWith(`${API_TOKEN_PREFIX}_`)) return null;
  const row = await db
    .updateTable('api_tokens')
    .set({ last_used_at: new Date() })
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .returning(['org_id', 'id'])
    .executeTakeFirst();
  return row ? { orgId: row.org_id, tokenId: row.id } : null;
}
