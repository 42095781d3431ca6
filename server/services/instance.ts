import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';

/**
 * Instance-wide settings (one row). The instance's owner is whoever owns its FIRST organisation
 * (the oldest one): on a self-hosted install that is the person who set it up — `npm start`, sign
 * up, create the organisation. Before any organisation exists nobody owns the instance and the
 * defaults apply (open sign-up), so the first person can always get in.
 */
export type InstanceSettings = { openSignUp: boolean };

export async function getInstanceSettings(db: DB): Promise<InstanceSettings> {
  const row = await db.selectFrom('instance_settings').select('open_sign_up').executeTakeFirst();
  return { openSignUp: row?.open_sign_up ?? true };
}

export async function openSignUp(db: DB): Promise<boolean> {
  return (await getInstanceSettings(db)).openSignUp;
}

/** Whether the user is an owner of the instance's first organisation. */
export async function isInstanceOwner(db: DB, userId: string): Promise<boolean> {
  const first = await db.selectFrom('organizations').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  if (!first) return false;
  const m = await db
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', first.id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return m?.role === 'owner';
}

export async function updateInstanceSettings(db: DB, userId: string, patch: Partial<InstanceSettings>): Promise<InstanceSettings> {
  if (!(await isInstanceOwner(db, userId))) {
    throw new AppError('FORBIDDEN', "Only an owner of this server's first organization can change its settings");
  }
  const values = { ...(patch.openSignUp !== undefined ? { open_sign_up: patch.openSignUp } : {}), updated_by: userId, updated_at: new Date() };
  await db
    .insertInto('instance_settings')
    .values({ id: true, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
  return getInstanceSettings(db);
}
