import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/password';

export const SIGN_IN_WINDOW_MINUTES = 15;
export const SIGN_IN_MAX_FAILURES = 10;
export const GENERIC_SIGN_IN_ERROR = 'Invalid email or password';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function createUser(db: DB, input: { name: string; email: string; password: string }) {
  const email = normaliseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  const row = await db
    .insertInto('users')
    .values({ name: input.name.trim(), email, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id', 'email', 'name'])
    .executeTakeFirst();
  if (!row) throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.');
  return row;
}

/** Find or create a user without a password (CLI bootstrap, invitations, OAuth). */
export async function ensureUser(db: DB, input: { email: string; name?: string }) {
  const email = normaliseEmail(input.email);
  const existing = await db.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
  if (existing) return existing;
  return db
    .insertInto('users')
    .values({ email, name: input.name ?? email.split('@')[0] })
    .onConflict((oc) => oc.column('email').doUpdateSet({ email }))
    .returning(['id', 'email', 'name'])
    .executeTakeFirstOrThrow();
}

export async function ensureGithubUser(db: DB, input: { githubId: string; email: string; name: string }) {
  const byGithub = await db.selectFrom('users').select(['id', 'email', 'name']).where('github_id', '=', input.githubId).executeTakeFirst();
  if (byGithub) return byGithub;
  const user = await ensureUser(db, { email: input.email, name: input.name });
  await db.updateTable('users').set({ github_id: input.githubId }).where('id', '=', user.id).where('github_id', 'is', null).execute();
  return user;
}

/**
 * Checks a password with a per-email and per-address failure budget. Every failure, whether the
 * account exists or not, answers the same message after the same work.
 */
export async function authenticate(db: DB, input: { email: string; password: string; ip?: string }) {
  const email = normaliseEmail(input.email);
  const keys = [`email:${email}`, ...(input.ip ? [`ip:${input.ip}`] : [])];
  const since = new Date(Date.now() - SIGN_IN_WINDOW_MINUTES * 60_000);
  const failures = await db
    .selectFrom('auth_attempts')
    .select(['key', db.fn.countAll<string>().as('n')])
    .where('key', 'in', keys)
    .where('succeeded', '=', false)
    .where('attempted_at', '>', since)
    .groupBy('key')
    .execute();
  if (failures.some((f) => Number(f.n) >= SIGN_IN_MAX_FAILURES)) {
    throw new AppError('TOO_MANY_REQUESTS', `Too many sign-in attempts. Try again in ${SIGN_IN_WINDOW_MINUTES} minutes.`);
  }
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst();
  const ok = user?.password_hash
    ? await verifyPassword(input.password, user.password_hash)
    : (await verifyPassword(input.password, await dummyPasswordHash()), false);
  await db
    .insertInto('auth_attempts')
    .values(keys.map((key) => ({ key, succeeded: ok })))
    .execute();
  if (!ok || !user) return null;
  return { id: user.id, email: user.email, name: user.name };
}

export async function getUser(db: DB, userId: string) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'created_at']).where('id', '=', userId).executeTakeFirst();
}
