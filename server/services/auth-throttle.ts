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
const MAX_DOUBLINGS = 6;

export const THROTTLE = {
  /** Wrong passwords for one account from one address: the owner elsewhere is unaffected. */
  accountAddress: { limit: 10, delayMs: MINUTE, resetMs: 24 * HOUR },
  /** Wrong passwords from one address, whatever the account (credential stuffing). */
  address: { limit: 100, delayMs: MINUTE, resetMs: 24 * HOUR },
  /** Accounts created from one address (each costs a 128 MiB scrypt). */
  signUpAddress: { limit: 10, delayMs: HOUR, resetMs: HOUR },
} as const satisfies Record<string, ThrottleBudget>;

export type ThrottleCheck = { key: string; budget: ThrottleBudget };

/**
 * Counts one attempt against every key in ONE statement and says whether all of them allowed it.
 * The row lock taken by the upsert serialises parallel attempts: with a budget of 10, the 11th of
 * 30 simultaneous attempts already sees the block. Returns the longest wait when refused.
 */
export async function spendAttempt(db: DB, checks: ThrottleCheck[]): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
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
  return { allowed: false, retryAfterMs: Math.max(0, until - Date.now()) };
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

/** Clears an account's sign-in budgets at every address (an operator's reset). */
export async function clearAccountThrottle(db: DB, email: string): Promise<void> {
  // Keys are `signin:<email>|<address>`; LIKE's wildcards in the email are escaped.
  const escaped = email.replace(/[\\%_]/g, (c) => `\\${c}`);
  await db.deleteFrom('auth_throttle').where('key', 'like', `signin:${escaped}|%`).execute();
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
