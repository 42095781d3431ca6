import { sql } from 'kysely';
import type { DB } from '../db/client';

/**
 * Budgets for sign-in and sign-up attempts, counted in Postgres so every web process shares them.
 *
 * A budget allows `limit` attempts; the attempt that spends the last one blocks the key for
 * `delayMs`, doubling with each further attempt let through after a block ends (progressive
 * delay, capped at 2^MAX_DOUBLINGS × delayMs). A key idle for `resetMs` starts over.
 */
export type ThrottleBudget = { limit: number; delayMs: number; resetMs: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_DOUBLINGS = 6;

/** The budgets, each `limit` taken from its environment variable (0 turns that budget off). */
export type ThrottleBudgets = {
  /** Wrong passwords for one account from one address: the owner elsewhere is unaffected. */
  accountAddress: ThrottleBudget;
  /** Wrong passwords from one address, whatever the account (credential stuffing). */
  address: ThrottleBudget;
  /**
   * Attempts on one account from every address it has not signed in from before, together (a
   * guesser spreading over many addresses). Addresses the account signed in from within
   * `rememberDays` are not counted nor refused by it, so the owner keeps their usual place.
   */
  account: ThrottleBudget;
  /** Accounts created from one address (each costs a 128 MiB scrypt). */
  signUpAddress: ThrottleBudget;
  /** How long an address the account signed in from counts as its owner's (days). */
  rememberDays: number;
};

/** The environment variable of each budget's limit, and its default. */
export const THROTTLE_SETTINGS = {
  accountAddress: { env: 'NIGHTSHIFT_SIGNIN_ACCOUNT_ADDRESS_LIMIT', limit: 10, delayMs: MINUTE, resetMs: DAY },
  address: { env: 'NIGHTSHIFT_SIGNIN_ADDRESS_LIMIT', limit: 100, delayMs: MINUTE, resetMs: DAY },
  account: { env: 'NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT', limit: 20, delayMs: 5 * MINUTE, resetMs: DAY },
  signUpAddress: { env: 'NIGHTSHIFT_SIGNUP_ADDRESS_LIMIT', limit: 10, delayMs: HOUR, resetMs: HOUR },
} as const;
export const REMEMBER_DAYS_ENV = 'NIGHTSHIFT_SIGNIN_REMEMBER_DAYS';
const REMEMBER_DAYS_DEFAULT = 90;

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number, what: string): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new Error(`${name} must be a whole number ≥ 0 (${what}), got "${env[name]}"`);
  return Number(raw);
}

/**
 * The sign-in and sign-up budgets as the environment sets them (read at every attempt, checked at
 * start-up). Throws a message naming the variable when one is not a whole number.
 */
export function throttleBudgets(env: Record<string, string | undefined> = process.env): ThrottleBudgets {
  const budget = (key: keyof typeof THROTTLE_SETTINGS): ThrottleBudget => {
    const s = THROTTLE_SETTINGS[key];
    return { limit: wholeNumber(env, s.env, s.limit, '0 turns the limit off'), delayMs: s.delayMs, resetMs: s.resetMs };
  };
  return {
    accountAddress: budget('accountAddress'),
    address: budget('address'),
    account: budget('account'),
    signUpAddress: budget('signUpAddress'),
    rememberDays: wholeNumber(env, REMEMBER_DAYS_ENV, REMEMBER_DAYS_DEFAULT, 'days; 0 remembers no address'),
  };
}

/** The defaults (no environment variable set). */
export const THROTTLE = throttleBudgets({});

export type ThrottleCheck = { key: string; budget: ThrottleBudget };

/**
 * Counts one attempt against every key in ONE statement and says whether all of them allowed it.
 * The row lock taken by the upsert serialises parallel attempts: with a budget of 10, the 11th of
 * 30 simultaneous attempts already sees the block. Returns the longest wait when refused.
 */
export async function spendAttempt(
  db: DB,
  all: ThrottleCheck[],
): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number; refusedKeys: string[] }> {
  // A limit of 0 is a budget turned off.
  const checks = all.filter((c) => c.budget.limit > 0);
  if (!checks.length) return { allowed: true };
  const ms = sql`interval '1 millisecond'`;
  const blocked = sql`coalesce(t.blocked_until > now(), false)`;
  // The attempt number this one becomes (a key idle past its reset window starts over at 1).
  const n = sql`(case when t.updated_at < now() - excluded.reset_ms * ${ms} then 1 else t.failures + 1 end)`;
  const values = sql.join(
    checks.map(
      (c) =>
        sql`(${c.key}, 1, ${c.budget.limit <= 1 ? sql`now() + ${c.budget.delayMs}::bigint * ${ms}` : sql`null::timestamptz`}, true, ${c.budget.limit}::int, ${c.budget.delayMs}::bigint, ${c.budget.resetMs}::bigint, now())`,
    ),
  );
  const rows = await sql<{ key: string; last_allowed: boolean; blocked_until: Date | null }>`
    insert into auth_throttle as t (key, failures, blocked_until, last_allowed, budget_limit, delay_ms, reset_ms, updated_at)
    values ${values}
    on conflict (key) do update set
      failures = case when ${blocked} then t.failures else ${n} end,
      blocked_until = case
        when ${blocked} then t.blocked_until
        when ${n} >= excluded.budget_limit
          then now() + excluded.delay_ms * ${ms} * power(2, least(${MAX_DOUBLINGS}, ${n} - excluded.budget_limit))
        end,
      last_allowed = not ${blocked},
      budget_limit = excluded.budget_limit,
      delay_ms = excluded.delay_ms,
      reset_ms = excluded.reset_ms,
      updated_at = case when ${blocked} then t.updated_at else now() end
    returning t.key, t.last_allowed, t.blocked_until
  `.execute(db);
  const refused = rows.rows.filter((r) => !r.last_allowed);
  if (!refused.length) return { allowed: true };
  const until = Math.max(...refused.map((r) => (r.blocked_until ? new Date(r.blocked_until).getTime() : Date.now())));
  return { allowed: false, retryAfterMs: Math.max(0, until - Date.now()), refusedKeys: refused.map((r) => r.key) };
}

/** A successful sign-in: this account's budget at this address starts over; the address gets its attempt back. */
export async function refundAttempt(db: DB, input: { resetKey: string; refundKeys: string[] }): Promise<void> {
  await db.deleteFrom('auth_throttle').where('key', '=', input.resetKey).execute();
  if (input.refundKeys.length) {
    await db
      .updateTable('auth_throttle')
      .set({ failures: sql`greatest(failures - 1, 0)` })
      .where('key', 'in', input.refundKeys)
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', sql<Date>`now()`)]))
      .execute();
  }
}

/** Clears an account's sign-in budgets at every address and across them (an operator's reset). */
export async function clearAccountThrottle(db: DB, email: string): Promise<void> {
  // Keys are `signin:<email>|<address>`; LIKE's wildcards in the email are escaped.
  const escaped = email.replace(/[\\%_]/g, (c) => `\\${c}`);
  await db
    .deleteFrom('auth_throttle')
    .where((eb) => eb.or([eb('key', 'like', `signin:${escaped}|%`), eb('key', '=', accountThrottleKey(email))]))
    .execute();
}

/** The key of an account's budget across addresses (the email, normalised, whether an account has it or not). */
export function accountThrottleKey(email: string): string {
  return `signin-account:${email}`;
}

/**
 * Whether the account with `email` signed in successfully from `address` within the last
 * `rememberDays`. One query whether or not the email has an account, so an unknown email costs the
 * same (and, having no row, is never remembered).
 */
export async function signedInFromBefore(db: DB, email: string, address: string, rememberDays: number): Promise<boolean> {
  if (rememberDays <= 0) return false;
  const row = await db
    .selectFrom('sign_in_addresses as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select('a.address')
    .where('u.email', '=', email)
    .where('a.address', '=', address)
    .where('a.last_signed_in_at', '>', sql<Date>`now() - ${rememberDays}::int * interval '1 day'`)
    .executeTakeFirst();
  return Boolean(row);
}

/** Remembers (or refreshes) `address` as one the user signed in from. */
export async function rememberSignInAddress(db: DB, userId: string, address: string): Promise<void> {
  await db
    .insertInto('sign_in_addresses')
    .values({ user_id: userId, address })
    .onConflict((oc) => oc.columns(['user_id', 'address']).doUpdateSet({ last_signed_in_at: sql`now()` }))
    .execute();
}

/** Forgets addresses not signed in from for `rememberDays` (they no longer count as the owner's). */
export async function pruneSignInAddresses(db: DB, rememberDays: number): Promise<number> {
  const res = await db
    .deleteFrom('sign_in_addresses')
    .where('last_signed_in_at', '<', sql<Date>`now() - ${Math.max(0, rememberDays)}::int * interval '1 day'`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Rows idle for longer than every reset window carry no budget any more. */
export async function pruneThrottle(db: DB, olderThanMs = 2 * 24 * HOUR): Promise<number> {
  const res = await db
    .deleteFrom('auth_throttle')
    .where('updated_at', '<', new Date(Date.now() - olderThanMs))
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', new Date())]))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** "Try again in 3 minutes" for a wait in milliseconds. */
export function waitText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE));
  return minutes === 1 ? '1 minute' : minutes < 120 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}
