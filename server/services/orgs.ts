import type { DB } from '../db/client';
import type { Role } from '../db/schema';
import { AppError, forbidden } from '../errors/app-error';
import { roleAtLeast } from '../auth/roles';
import type { OrgScope } from './scope';

export const DEFAULT_SPEC_THRESHOLD = 70;

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base || 'org';
}

async function uniqueSlug(db: DB, name: string): Promise<string> {
  const base = slugify(name);
  const taken = await db.selectFrom('organizations').select('slug').where('slug', 'like', `${base}%`).execute();
  const set = new Set(taken.map((t) => t.slug));
  if (!set.has(base)) return base;
  for (let i = 2; ; i++) if (!set.has(`${base}-${i}`)) return `${base}-${i}`;
}

export async function createOrganization(db: DB, input: { name: string; ownerId: string }) {
  return db.transaction().execute(async (trx) => {
    const slug = await uniqueSlug(trx, input.name);
    const org = await trx
      .insertInto('organizations')
      .values({ name: input.name.trim(), slug })
      .returning(['id', 'slug', 'name'])
      .executeTakeFirstOrThrow();
    await trx.insertInto('memberships').values({ org_id: org.id, user_id: input.ownerId, role: 'owner' }).execute();
    return org;
  });
}

export async function listOrganizationsForUser(db: DB, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select(['organizations.id', 'organizations.name', 'organizations.slug', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.name')
    .execute();
}

/** The caller's role in an organisation, or FORBIDDEN. Used by the org-scope middleware. */
export async function resolveMembership(db: DB, orgId: string, userId: string): Promise<Role> {
  const row = await db
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw forbidden();
  return row.role;
}

export function requireRole(scope: OrgScope, needed: Role): void {
  if (!roleAtLeast(scope.role, needed)) throw forbidden(`This needs the ${needed} role or higher`);
}

export async function getOrganization(db: DB, scope: OrgScope) {
  const org = await db
    .selectFrom('organizations')
    .select(['id', 'name', 'slug', 'plan', 'settings', 'created_at'])
    .where('id', '=', scope.orgId)
    .executeTakeFirst();
  if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
  const settings = (org.settings ?? {}) as { specThreshold?: number };
  return { ...org, role: scope.role, specThreshold: settings.specThreshold ?? DEFAULT_SPEC_THRESHOLD };
}

export async function updateOrganizationSettings(db: DB, scope: OrgScope, input: { name?: string; specThreshold?: number }) {
  requireRole(scope, 'admin');
  const current = await getOrganization(db, scope);
  const settings = { ...(current.settings as object), ...(input.specThreshold !== undefined ? { specThreshold: input.specThreshold } : {}) };
  await db
    .updateTable('organizations')
    .set({ ...(input.name ? { name: input.name.trim() } : {}), settings: JSON.stringify(settings) })
    .where('id', '=', scope.orgId)
    .execute();
  return getOrganization(db, scope);
}

export async function findOrgBySlug(db: DB, slug: string) {
  return db.selectFrom('organizations').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
}

/** An organisation's display name (for messages that name it), or null when it is gone. */
export async function organizationName(db: DB, orgId: string): Promise<string | null> {
  const row = await db.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirst();
  return row?.name ?? null;
}
