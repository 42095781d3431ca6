import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { authenticate, createUser, ensureGithubUser, mayGithubSignIn, setPasswordByOperator } from '../../server/services/users';
import { accountThrottleKey, THROTTLE, throttleBudgets } from '../../server/services/auth-throttle';
import { createOrganization, listOrganizationsForUser } from '../../server/services/orgs';
import { acceptInvitation, changeMemberRole, createInvitation, listMembers, previewInvitation, removeMember } from '../../server/services/members';
import { listSecrets, readSecret, setSecret } from '../../server/services/secrets';
import { AppError } from '../../server/errors/app-error';
import { decryptSecret } from '../../server/auth/crypto';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('acct');
});
afterAll(async () => t?.close());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
}

describe('accounts', () => {
  it('lets a GitHub sign-in go on for a known GitHub account or email, and for a new person only while sign-up is open or invited', async () => {
    const owner = await createUser(t.db, { name: 'Gia', email: 'gia@gh.test', password: 'password-123' });
    await ensureGithubUser(t.db, { githubId: '9001', email: 'gia@gh.test', name: 'Gia' });
    const org = await createOrganization(t.db, { name: 'GH Org', ownerId: owner.id });
    const setOpen = (open: boolean) => t.db.insertInto('instance_settings').values({ open_sign_up: open }).onConflict((oc) => oc.column('id').doUpdateSet({ open_sign_up: open })).execute();
    try {
      await setOpen(false);
      expect(await mayGithubSignIn(t.db, { githubId: '9001', email: 'elsewhere@gh.test' })).toBe(true);
      expect(await mayGithubSignIn(t.db, { githubId: '1234', email: 'GIA@gh.test' })).toBe(true);
      expect(await mayGithubSignIn(t.db, { githubId: '5678', email: 'new@gh.test' })).toBe(false);
      await createInvitation(t.db, { orgId: org.id, userId: owner.id, role: 'owner' }, { email: 'new@gh.test', role: 'member' });
      expect(await mayGithubSignIn(t.db, { githubId: '5678', email: 'new@gh.test' })).toBe(true);
      await setOpen(true);
      expect(await mayGithubSignIn(t.db, { githubId: '7777', email: 'stranger@gh.test' })).toBe(true);
    } finally {
      await setOpen(true);
    }
  });

  it('stores a scrypt hash, refuses a second account on the same email, and signs in case-insensitively', async () => {
    const u = await createUser(t.db, { name: 'Grace', email: 'Grace@Example.com', password: 'compilers!' });
    const row = await t.db.selectFrom('users').select(['email', 'password_hash']).where('id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.email).toBe('grace@example.com');
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('compilers!');
    expect(await code(createUser(t.db, { name: 'G2', email: 'grace@example.com', password: 'another-one' }))).toBe('CONFLICT');
    expect(await authenticate(t.db, { email: 'GRACE@example.com', password: 'compilers!' })).toMatchObject({ id: u.id });
  });

  it('answers a wrong password and an unknown email the same way, then rate-limits', async () => {
    await createUser(t.db, { name: 'Linus', email: 'linus@example.com', password: 'kernel-hacker' });
    expect(await authenticate(t.db, { email: 'linus@example.com', password: 'wrong' })).toBeNull();
    expect(await authenticate(t.db, { email: 'nobody@example.com', password: 'wrong' })).toBeNull();
    for (let i = 1; i < THROTTLE.accountAddress.limit; i++) await authenticate(t.db, { email: 'linus@example.com', password: `wrong-${i}` });
    // Even the right password is refused once the budget is spent.
    expect(await code(authenticate(t.db, { email: 'linus@example.com', password: 'kernel-hacker' }))).toBe('TOO_MANY_REQUESTS');
  });

  it("an address is the owner's for NIGHTSHIFT_SIGNIN_REMEMBER_DAYS; the operator's reset clears the account's budget", async () => {
    const ada = await createUser(t.db, { name: 'Ada', email: 'ada@example.com', password: 'analytical-engine' });
    // The account's budget across addresses, spent (as a distributed guesser leaves it).
    const spend = () =>
      t.db
        .insertInto('auth_throttle')
        .values({ key: accountThrottleKey('ada@example.com'), failures: 20, blocked_until: new Date(Date.now() + 3_600_000), last_allowed: false, budget_limit: 20, delay_ms: 300_000, reset_ms: 86_400_000 })
        .onConflict((oc) => oc.column('key').doUpdateSet({ blocked_until: new Date(Date.now() + 3_600_000) }))
        .execute();
    await spend();
    expect(await code(authenticate(t.db, { email: 'ada@example.com', password: 'analytical-engine', ip: '192.0.2.9' }))).toBe('TOO_MANY_REQUESTS');
    // The operator's reset clears it: she signs in from there, which remembers the address.
    expect(await setPasswordByOperator(t.db, { email: 'ada@example.com', password: 'difference-engine' })).toBe(true);
    expect(await authenticate(t.db, { email: 'ada@example.com', password: 'difference-engine', ip: '192.0.2.9' })).toMatchObject({ id: ada.id });
    await spend();
    expect(await authenticate(t.db, { email: 'ada@example.com', password: 'difference-engine', ip: '192.0.2.9' })).toMatchObject({ id: ada.id });
    // Not signed in from there for longer than the remembered period (90 days by default): a new address again.
    await t.db.updateTable('sign_in_addresses').set({ last_signed_in_at: new Date(Date.now() - 91 * 86_400_000) }).where('user_id', '=', ada.id).execute();
    expect(await code(authenticate(t.db, { email: 'ada@example.com', password: 'difference-engine', ip: '192.0.2.9' }))).toBe('TOO_MANY_REQUESTS');
  });

  it('takes the sign-in budgets from the environment, refusing a value that is not a whole number by name', async () => {
    expect(THROTTLE).toMatchObject({ accountAddress: { limit: 10 }, address: { limit: 100 }, account: { limit: 20 }, signUpAddress: { limit: 10 }, rememberDays: 90 });
    const set = throttleBudgets({ NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT: '0', NIGHTSHIFT_SIGNIN_ADDRESS_LIMIT: ' 250 ', NIGHTSHIFT_SIGNIN_REMEMBER_DAYS: '30' });
    expect(set).toMatchObject({ account: { limit: 0 }, address: { limit: 250 }, accountAddress: { limit: 10 }, rememberDays: 30 });
    expect(() => throttleBudgets({ NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT: 'lots' })).toThrow(/NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT must be a whole number/);
    expect(() => throttleBudgets({ NIGHTSHIFT_SIGNUP_ADDRESS_LIMIT: '-1' })).toThrow(/NIGHTSHIFT_SIGNUP_ADDRESS_LIMIT/);
    // The web server refuses to start with one, before it serves anything.
    process.env.NIGHTSHIFT_SIGNIN_REMEMBER_DAYS = 'forever';
    try {
      const { startHttpServer } = await import('../../server/http/server');
      await expect(startHttpServer({ rt: null as never, jobs: null, port: 0, dev: false, projectDir: process.cwd(), log: () => {}, pages: false })).rejects.toThrow(
        /NIGHTSHIFT_SIGNIN_REMEMBER_DAYS must be a whole number/,
      );
    } finally {
      delete process.env.NIGHTSHIFT_SIGNIN_REMEMBER_DAYS;
    }
  });
});

describe('organisations, roles and invitations', () => {
  it('creates unique slugs, invites by link, and keeps at least one owner', async () => {
    const owner = await createUser(t.db, { name: 'Owner', email: 'owner@example.com', password: 'owner-pass' });
    const o1 = await createOrganization(t.db, { name: 'Acme Corp', ownerId: owner.id });
    const o2 = await createOrganization(t.db, { name: 'Acme  corp!', ownerId: owner.id });
    expect(o1.slug).toBe('acme-corp');
    expect(o2.slug).toBe('acme-corp-2');

    const scope = { orgId: o1.id, userId: owner.id, role: 'owner' as const };
    const inv = await createInvitation(t.db, scope, { email: 'dev@example.com', role: 'member' });
    expect(await previewInvitation(t.db, inv.token)).toEqual({ orgName: 'Acme Corp', role: 'member' });
    const stranger = await createUser(t.db, { name: 'Stranger', email: 'stranger@example.com', password: 'stranger-pass' });
    expect(await code(acceptInvitation(t.db, { token: inv.token, userId: stranger.id }))).toBe('FORBIDDEN');
    const dev = await createUser(t.db, { name: 'Dev', email: 'dev@example.com', password: 'dev-pass-1' });
    expect(await acceptInvitation(t.db, { token: inv.token, userId: dev.id })).toEqual({ orgId: o1.id, slug: 'acme-corp' });
    expect(await code(acceptInvitation(t.db, { token: inv.token, userId: dev.id }))).toBe('NOT_FOUND');
    expect((await listOrganizationsForUser(t.db, dev.id)).map((o) => o.slug)).toEqual(['acme-corp']);

    const devScope = { orgId: o1.id, userId: dev.id, role: 'member' as const };
    expect(await code(createInvitation(t.db, devScope, { role: 'admin' }))).toBe('FORBIDDEN');
    expect(await code(changeMemberRole(t.db, devScope, { userId: dev.id, role: 'owner' }))).toBe('FORBIDDEN');
    expect(await code(removeMember(t.db, scope, { userId: owner.id }))).toBe('BAD_REQUEST');
    await changeMemberRole(t.db, scope, { userId: dev.id, role: 'viewer' });
    expect((await listMembers(t.db, scope)).find((m) => m.userId === dev.id)?.role).toBe('viewer');
  });
});

describe('org secrets', () => {
  it('are AES-GCM encrypted at rest and never listed with their value', async () => {
    const u = await createUser(t.db, { name: 'Sec', email: 'sec@example.com', password: 'secret-pass' });
    const org = await createOrganization(t.db, { name: 'Secretive', ownerId: u.id });
    const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-live-123456' });
    const raw = await t.db.selectFrom('org_secrets').select('ciphertext').where('org_id', '=', org.id).executeTakeFirstOrThrow();
    expect(raw.ciphertext).not.toContain('sk-live');
    expect(raw.ciphertext).toMatch(/^v1:/);
    expect(await readSecret(t.db, org.id, 'OPENAI_API_KEY')).toBe('sk-live-123456');
    expect(JSON.stringify(await listSecrets(t.db, scope))).not.toContain('sk-live');
    const [v, iv, tag, ct] = raw.ciphertext.split(':');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() => decryptSecret([v, iv, tag, flipped.toString('base64url')].join(':'))).toThrow();
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-live-rotated' });
    expect(await readSecret(t.db, org.id, 'OPENAI_API_KEY')).toBe('sk-live-rotated');
  });
});
