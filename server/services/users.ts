import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { sql } from 'kysely';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/password';
import { hashToken } from '../auth/crypto';
import { accountThrottleKey, clearAccountThrottle, refundAttempt, rememberSignInAddress, signedInFromBefore, spendAttempt, throttleBudgets, waitText } from './auth-throttle';
import { openSignUp } from './instance';

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
  const existing = await db.selectFrom('users').select(['id', 'email', 'name', 'session_version']).where('email', '=', email).executeTakeFirst();
  if (existing) return existing;
  return db
    .insertInto('users')
    .values({ email, name: input.name ?? email.split('@')[0] })
    .onConflict((oc) => oc.column('email').doUpdateSet({ email }))
    .returning(['id', 'email', 'name', 'session_version'])
    .executeTakeFirstOrThrow();
}

export async function ensureGithubUser(db: DB, input: { githubId: string; email: string; name: string }) {
  const byGithub = await db.selectFrom('users').select(['id', 'email', 'name', 'session_version']).where('github_id', '=', input.githubId).executeTakeFirst();
  if (byGithub) return byGithub;
  const user = await ensureUser(db, { email: input.email, name: input.name });
  await db.updateTable('users').set({ github_id: input.githubId }).where('id', '=', user.id).where('github_id', 'is', null).execute();
  return user;
}

/**
 * Checks a password against the sign-in budgets (server/services/auth-throttle.ts): the attempt is
 * counted for "this account from this address" and "this address", then — unless the account
 * signed in from this address before — for "this account from anywhere new", BEFORE the password is
 * weighed, so parallel guesses cannot outrun the count. Every failure, whether the account exists or not,
 * answers the same after the same work. A success resets this account's budget at this address,
 * gives the other budgets their attempt back and remembers the address as the owner's.
 */
export async function authenticate(db: DB, input: { email: string; password: string; ip?: string | null }) {
  const budgets = throttleBudgets();
  const email = normaliseEmail(input.email);
  const address = input.ip ?? 'unknown';
  const accountAddressKey = `signin:${email}|${address}`;
  const addressKey = input.ip ? `signin-address:${input.ip}` : null;
  // Where the owner signed in before, a guesser elsewhere spending the account's budget does not shut them out.
  const remembered = input.ip ? await signedInFromBefore(db, email, input.ip, budgets.rememberDays) : false;
  const accountKey = remembered ? null : accountThrottleKey(email);
  // The address's budgets first; the account's own only for an attempt they let through, so
  // attempts one address makes beyond its budget do not spend the account's.
  const spent = await spendAttempt(db, [
    { key: accountAddressKey, budget: budgets.accountAddress },
    ...(addressKey ? [{ key: addressKey, budget: budgets.address }] : []),
  ]);
  if (!spent.allowed) throw new AppError('TOO_MANY_REQUESTS', `Too many sign-in attempts from this address. Try again in ${waitText(spent.retryAfterMs)}.`);
  if (accountKey) {
    const across = await spendAttempt(db, [{ key: accountKey, budget: budgets.account }]);
    // The same answer for an email without an account.
    if (!across.allowed) {
      throw new AppError(
        'TOO_MANY_REQUESTS',
        `Too many sign-in attempts for this account from new addresses. Try again in ${waitText(across.retryAfterMs)}, or from where you signed in before.`,
      );
    }
  }
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash', 'session_version'])
    .where('email', '=', email)
    .executeTakeFirst();
  const ok = user?.password_hash
    ? await verifyPassword(input.password, user.password_hash)
    : (await verifyPassword(input.password, await dummyPasswordHash()), false);
  if (!ok || !user) return null;
  await refundAttempt(db, { resetKey: accountAddressKey, refundKeys: [addressKey, accountKey].filter((k): k is string => k !== null) });
  if (input.ip && budgets.rememberDays > 0) await rememberSignInAddress(db, user.id, input.ip);
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.session_version };
}

/**
 * Public sign-up. Answers the same whether the email already has an account or not (the existing
 * account is left untouched), after the same work, so it cannot be used to find out who has one.
 * Counted per address before the password is hashed. When the instance's owner has turned open
 * sign-up off, only someone holding a valid invitation (for this email, if it names one) may sign up.
 */
export async function signUp(db: DB, input: { name: string; email: string; password: string; invitationToken?: string }, ip: string | null) {
  const email = normaliseEmail(input.email);
  if (ip) {
    const spent = await spendAttempt(db, [{ key: `signup-address:${ip}`, budget: throttleBudgets().signUpAddress }]);
    if (!spent.allowed) throw new AppError('TOO_MANY_REQUESTS', `Too many accounts were created from this address. Try again in ${waitText(spent.retryAfterMs)}.`);
  }
  if (!(await openSignUp(db)) && !(await holdsInvitation(db, input.invitationToken, email))) {
    throw new AppError('FORBIDDEN', 'Sign-up on this server is by invitation only. Ask an organization owner for an invitation link.');
  }
  const passwordHash = await hashPassword(input.password);
  await db
    .insertInto('users')
    .values({ name: input.name.trim(), email, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
  return { email };
}

/** Whether `token` is an open invitation that `email` may use (an invitation naming an email binds to it). */
async function holdsInvitation(db: DB, token: string | undefined, email: string): Promise<boolean> {
  if (!token) return false;
  const inv = await db
    .selectFrom('invitations')
    .select(['email', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Boolean(inv && new Date(inv.expires_at) > new Date() && (!inv.email || inv.email === email));
}

/** Whether a new account may be created for `email` without a token (GitHub sign-in of a new person). */
export async function mayCreateAccount(db: DB, email: string): Promise<boolean> {
  if (await openSignUp(db)) return true;
  const inv = await db
    .selectFrom('invitations')
    .select('id')
    .where('email', '=', normaliseEmail(email))
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return Boolean(inv);
}

/**
 * Whether a GitHub sign-in may go on: the GitHub account or its email is already known here, or a
 * new account may be created for the email.
 */
export async function mayGithubSignIn(db: DB, input: { githubId: string; email: string }): Promise<boolean> {
  const known = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.or([eb('github_id', '=', input.githubId), eb('email', '=', input.email.toLowerCase())]))
    .executeTakeFirst();
  return Boolean(known) || (await mayCreateAccount(db, input.email));
}

/**
 * Changes the caller's password and revokes every session of the account (this one included:
 * the client signs in again with the new password).
 */
export async function changePassword(db: DB, userId: string, input: { currentPassword: string; newPassword: string }, ip: string | null) {
  const user = await db.selectFrom('users').select(['email', 'password_hash']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in first');
  if (!user.password_hash) throw new AppError('BAD_REQUEST', 'This account signs in with GitHub and has no password to change.');
  const checked = await authenticate(db, { email: user.email, password: input.currentPassword, ip });
  if (!checked) throw new AppError('BAD_REQUEST', 'The current password is not correct.');
  const passwordHash = await hashPassword(input.newPassword);
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, session_version: sql`session_version + 1` })
    .where('id', '=', userId)
    .execute();
  return { changed: true };
}

/**
 * An operator's password reset (CLI): sets the password, ends every session, and clears the
 * account's sign-in budgets at every address. False when no account has the email.
 */
export async function setPasswordByOperator(db: DB, input: { email: string; password: string }): Promise<boolean> {
  const email = normaliseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  const res = await db
    .updateTable('users')
    .set({ password_hash: passwordHash, session_version: sql`session_version + 1` })
    .where('email', '=', email)
    .executeTakeFirst();
  if (!Number(res.numUpdatedRows)) return false;
  await clearAccountThrottle(db, email);
  return true;
}

/** The session version a user's tokens must carry; null when the user no longer exists. */
export async function currentSessionVersion(db: DB, userId: string): Promise<number | null> {
  const row = await db.selectFrom('users').select('session_version').where('id', '=', userId).executeTakeFirst();
  return row ? row.session_version : null;
}

/** Ends every session of the user that carries `version` (sign-out): tokens of that version stop working. */
export async function revokeSessions(db: DB, userId: string, version: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ session_version: sql`session_version + 1` })
    .where('id', '=', userId)
    .where('session_version', '=', version)
    .execute();
}

export async function getUser(db: DB, userId: string) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'created_at']).where('id', '=', userId).executeTakeFirst();
}
