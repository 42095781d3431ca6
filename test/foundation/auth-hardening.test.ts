import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestApp } from '../support/http-app';
import { HttpClient } from '../support/http-client';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { appRouter } from '../../server/api/router';
import { createCallerFactory } from '../../server/api/trpc';
import { procedureInput, sampleFor } from '../support/zod-sample';
import { errorCode, userContext } from '../support/trpc';
import { publicProcedurePaths, MAX_BATCH_SIZE } from '../../server/api/batching';
import { MAX_BATCH_ITEMS, PUBLIC_PROCEDURES } from '../../components/trpc';
import { io as connectSocket } from 'socket.io-client';

/**
 * What an anonymous caller and a second tenant can do to sign-in, sign-up, sessions, roles and
 * inputs — driven over HTTP against the server's own request handling, with two organisations.
 * Each client has its own source address (127.0.0.x) and cookie jar.
 */
let t: TestDatabase;
let app: { base: string; close(): Promise<void> };
const clients: HttpClient[] = [];
const ids: Record<string, string> = {};
const PASSWORDS = { alice: 'alice-correct-horse', bob: 'bob-battery-staple', carol: 'carol-admin-pass', dave: 'dave-co-owner-pass' };

function client(address = '127.0.0.1') {
  const c = new HttpClient(app.base, address);
  clients.push(c);
  return c;
}

async function signedIn(who: keyof typeof PASSWORDS, address = '127.0.0.1') {
  const c = client(address);
  const r = await c.signIn(`${who}@example.com`, PASSWORDS[who]);
  expect(r, `${who} signs in: ${r.error}`).toEqual({ ok: true, error: null });
  return c;
}

const userCount = async () => Number((await t.db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
/** Postgres' own wording, which must never reach a client. */
const PG_TEXT = /invalid byte sequence|0x00|UTF8|out of range for type|syntax for type|violates|relation "|column "/i;

beforeAll(async () => {
  // The budget of one account across addresses has its own test (which sets it); the others
  // spend more than its default on Alice and Bob from addresses they never signed in from.
  process.env.NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT = '1000';
  t = await createTestDatabase('authh');
  app = await startTestApp(t);
  for (const who of Object.keys(PASSWORDS) as Array<keyof typeof PASSWORDS>) {
    ids[who] = (await createUser(t.db, { name: who, email: `${who}@example.com`, password: PASSWORDS[who] })).id;
  }
  // Organisation A (the instance's first): owners Alice and Dave, admin Carol. Organisation B: owner Bob.
  ids.orgA = (await createOrganization(t.db, { name: 'Alpha', ownerId: ids.alice })).id;
  ids.orgB = (await createOrganization(t.db, { name: 'Beta', ownerId: ids.bob })).id;
  await t.db.insertInto('memberships').values([
    { org_id: ids.orgA, user_id: ids.dave, role: 'owner' },
    { org_id: ids.orgA, user_id: ids.carol, role: 'admin' },
  ]).execute();
});

afterAll(async () => {
  delete process.env.NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT;
  for (const c of clients) await c.close();
  await app?.close();
  await t?.close();
});

// Each sign-in weighs a real scrypt hash (128 MiB): dozens of them need more than the default
// minute on a busy two-core machine.
describe('sign-in rate limit', { timeout: 240_000 }, () => {
  it('30 parallel guesses: at most 10 are weighed, and the owner still signs in from another address', async () => {
    const attacker = client('127.0.0.3');
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => client('127.0.0.3').signIn('alice@example.com', `guess-${i}`)));
    const weighed = results.filter((r) => r.error === 'CredentialsSignin').length;
    const refused = results.filter((r) => r.error?.startsWith('Too many')).length;
    expect(weighed, JSON.stringify(results.map((r) => r.error))).toBeLessThanOrEqual(10);
    expect(weighed + refused).toBe(30);
    // The attacker stays refused, even with the right password and a forged X-Forwarded-For.
    expect((await attacker.signIn('alice@example.com', PASSWORDS.alice, { 'x-forwarded-for': '198.51.100.77' })).error).toMatch(/^Too many/);
    // Alice, from her own address, is not locked out by it.
    const alice = client('127.0.0.4');
    expect(await alice.signIn('alice@example.com', PASSWORDS.alice)).toEqual({ ok: true, error: null });
    const me = await alice.trpc('auth.me', undefined, 'query');
    expect((me.data as { id: string }).id).toBe(ids.alice);
  });

  it('X-Forwarded-For counts only from an address NIGHTSHIFT_TRUSTED_PROXIES names', async () => {
    process.env.NIGHTSHIFT_TRUSTED_PROXIES = '127.0.0.5';
    try {
      const proxy = client('127.0.0.5');
      // The proxy forwards an attacker at 198.51.100.7: ten guesses spend that address's budget.
      for (let i = 0; i < 10; i++) expect((await proxy.signIn('bob@example.com', `nope-${i}`, { 'x-forwarded-for': '198.51.100.7' })).error).toBe('CredentialsSignin');
      expect((await proxy.signIn('bob@example.com', PASSWORDS.bob, { 'x-forwarded-for': '198.51.100.7' })).error).toMatch(/^Too many/);
      // The same proxy forwarding Bob from elsewhere: he gets in.
      expect(await client('127.0.0.5').signIn('bob@example.com', PASSWORDS.bob, { 'x-forwarded-for': '198.51.100.8' })).toEqual({ ok: true, error: null });
      // Someone who is not a trusted proxy cannot pick an address by header: 127.0.0.6 is counted as itself.
      const direct = client('127.0.0.6');
      await Promise.all(Array.from({ length: 10 }, (_, i) => client('127.0.0.6').signIn('bob@example.com', `nope-${i}`, { 'x-forwarded-for': `203.0.113.${i}` })));
      expect((await direct.signIn('bob@example.com', PASSWORDS.bob, { 'x-forwarded-for': '203.0.113.200' })).error).toMatch(/^Too many/);
    } finally {
      delete process.env.NIGHTSHIFT_TRUSTED_PROXIES;
    }
  });

  it('one account guessed from many addresses: refused once its budget is spent, except where its owner signed in before; an unknown email answers the same', async () => {
    // A trusted proxy forwards every guesser, each from its own address: no per-address budget is
    // ever reached. The account's own budget (lowered here to keep the scrypt work small) is.
    process.env.NIGHTSHIFT_TRUSTED_PROXIES = '127.0.0.7';
    process.env.NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT = '6';
    const via = (address: string) => ({ 'x-forwarded-for': address });
    const proxy = client('127.0.0.7');
    // Without the number in "Try again in N minutes": two refusals a minute apart are the same answer.
    const answer = (r: { ok: boolean; error: string | null }) => ({ ok: r.ok, error: r.error?.replace(/\d+ (minute|hour)s?/, 'N') ?? null });
    try {
      // Erin (her own account: the other tests' people must stay able to sign in) signs in from her
      // usual address once: it is remembered for her account.
      const erin = { email: 'erin@example.com', password: 'erin-long-password' };
      ids.erin = (await createUser(t.db, { name: 'Erin', ...erin })).id;
      expect(await proxy.signIn(erin.email, erin.password, via('198.51.100.60'))).toEqual({ ok: true, error: null });

      const attack = async (email: string, net: string) => {
        const guesses: Array<{ ok: boolean; error: string | null }> = [];
        // Six guesses, each from an address never seen before (two at a time: scrypt is 128 MiB).
        for (let i = 0; i < 6; i += 2) {
          guesses.push(...(await Promise.all([i, i + 1].map((j) => client('127.0.0.7').signIn(email, `guess-${j}`, via(`${net}.${j + 1}`))))));
        }
        // The next one, from yet another new address — with the right password for Erin.
        const after = await client('127.0.0.7').signIn(email, email === erin.email ? erin.password : 'anything', via(`${net}.100`));
        return { guesses: guesses.map(answer), after: answer(after) };
      };
      const attacked = await attack(erin.email, '203.0.113');
      expect(attacked.guesses).toEqual(Array.from({ length: 6 }, () => ({ ok: false, error: 'CredentialsSignin' })));
      expect(attacked.after, 'the 7th attempt from a new address is refused, even with the right password').toEqual({ ok: false, error: expect.stringMatching(/^Too many/) });

      // No enumeration: an email without an account goes through exactly the same answers.
      const nobody = await attack('nobody-here@example.com', '192.0.2');
      expect(nobody).toEqual(attacked);

      // Erin at her usual address still gets in, and the session works.
      const home = client('127.0.0.7');
      expect(await home.signIn(erin.email, erin.password, via('198.51.100.60'))).toEqual({ ok: true, error: null });
      expect(((await home.trpc('auth.me', undefined, 'query')).data as { id: string }).id).toBe(ids.erin);
      // Elsewhere she is still refused while the budget is spent.
      expect(answer(await client('127.0.0.7').signIn(erin.email, erin.password, via('198.51.100.61')))).toEqual(attacked.after);
    } finally {
      delete process.env.NIGHTSHIFT_TRUSTED_PROXIES;
      process.env.NIGHTSHIFT_SIGNIN_ACCOUNT_LIMIT = '1000';
    }
  });
});

describe('unauthenticated amplification', { timeout: 240_000 }, () => {
  it('a 64-call anonymous batch of auth.signUp is refused and creates no accounts', async () => {
    const before = await userCount();
    const calls = Array.from({ length: 64 }, (_, i) => ({ json: { name: `Flood ${i}`, email: `flood-${i}@example.com`, password: 'flood-password' } }));
    const input = Object.fromEntries(calls.map((c, i) => [String(i), c]));
    const res = await client('127.0.0.7').fetch(`/api/trpc/${Array(64).fill('auth.signUp').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(400);
    expect(await userCount()).toBe(before);
    // Even two calls: a public procedure is never batched.
    const two = await client('127.0.0.7').fetch(`/api/trpc/auth.signUp,auth.signUp?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: calls[0], 1: calls[1] }),
    });
    expect(two.status).toBe(400);
    expect(await userCount()).toBe(before);
  });

  it('the web client sends public procedures alone and batches no more than the server takes', async () => {
    expect([...PUBLIC_PROCEDURES].sort()).toEqual([...publicProcedurePaths()].sort());
    expect(MAX_BATCH_ITEMS).toBe(MAX_BATCH_SIZE);
    const bob = await signedIn('bob', '127.0.0.21');
    const paths = Array(MAX_BATCH_SIZE + 1).fill('auth.me').join(',');
    const input = encodeURIComponent(JSON.stringify({}));
    expect((await bob.fetch(`/api/trpc/${paths}?batch=1&input=${input}`)).status).toBe(400);
    const ok = await bob.fetch(`/api/trpc/${Array(MAX_BATCH_SIZE).fill('auth.me').join(',')}?batch=1&input=${input}`);
    expect(ok.status).toBe(200);
    expect((ok.json() as unknown[]).length).toBe(MAX_BATCH_SIZE);
  });

  it('sign-up is rate-limited per address', async () => {
    const before = await userCount();
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) => client('127.0.0.8').trpc('auth.signUp', { name: `Burst ${i}`, email: `burst-${i}@example.com`, password: 'burst-password' })),
    );
    const created = (await userCount()) - before;
    expect(created).toBeLessThanOrEqual(10);
    expect(results.filter((r) => r.status === 429).length).toBe(14 - created);
    // Another address is not affected.
    expect((await client('127.0.0.9').trpc('auth.signUp', { name: 'Other', email: 'other-address@example.com', password: 'other-password' })).status).toBe(200);
  });
});

describe('sessions', { timeout: 240_000 }, () => {
  it('the cookie reused after sign-out is refused', async () => {
    const c = await signedIn('bob', '127.0.0.10');
    const stolen = new Map(c.cookies);
    expect((await c.trpc('auth.me', undefined, 'query')).status).toBe(200);
    await c.signOut();
    const replay = client('127.0.0.11');
    for (const [k, v] of stolen) replay.cookies.set(k, v);
    const me = await replay.trpc('auth.me', undefined, 'query');
    expect(me.status).toBe(401);
    expect((await replay.fetch('/api/auth/session')).json()).toEqual({});
    // Signing in again works.
    await signedIn('bob', '127.0.0.10');
  });

  it('signing out drops the live socket of that session at once', async () => {
    const c = await signedIn('bob', '127.0.0.23');
    const socket = connectSocket(app.base, { transports: ['websocket'], extraHeaders: { cookie: c.cookieHeader() }, reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      await c.signOut();
      expect(await dropped).toBe('io server disconnect');
    } finally {
      socket.close();
    }
  });

  it('a password change revokes the other sessions', async () => {
    const laptop = await signedIn('dave', '127.0.0.12');
    const phone = await signedIn('dave', '127.0.0.13');
    const changed = await laptop.trpc('auth.changePassword', { currentPassword: PASSWORDS.dave, newPassword: 'dave-new-password' });
    expect(changed.status).toBe(200);
    expect((await phone.trpc('auth.me', undefined, 'query')).status).toBe(401);
    PASSWORDS.dave = 'dave-new-password';
    await signedIn('dave', '127.0.0.12');
  });
});

describe('roles', { timeout: 240_000 }, () => {
  it('an admin cannot demote or remove an owner; the last owner stays', async () => {
    const carol = await signedIn('carol', '127.0.0.14');
    const demote = await carol.trpc('member.changeRole', { orgId: ids.orgA, userId: ids.dave, role: 'viewer' });
    expect(demote.status).toBe(403);
    expect((await carol.trpc('member.remove', { orgId: ids.orgA, userId: ids.dave })).status).toBe(403);
    const dave = await t.db.selectFrom('memberships').select('role').where('org_id', '=', ids.orgA).where('user_id', '=', ids.dave).executeTakeFirstOrThrow();
    expect(dave.role).toBe('owner');

    // Two owners demoting each other at once: one wins, the organisation keeps an owner.
    const [alice, daveC] = [await signedIn('alice', '127.0.0.15'), await signedIn('dave', '127.0.0.15')];
    const [r1, r2] = await Promise.all([
      alice.trpc('member.changeRole', { orgId: ids.orgA, userId: ids.dave, role: 'admin' }),
      daveC.trpc('member.changeRole', { orgId: ids.orgA, userId: ids.alice, role: 'admin' }),
    ]);
    expect([r1.status, r2.status].filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    const owners = await t.db.selectFrom('memberships').select('user_id').where('org_id', '=', ids.orgA).where('role', '=', 'owner').execute();
    expect(owners.length).toBe(1);
    // The last owner can neither demote nor remove themself.
    const last = owners[0].user_id === ids.alice ? alice : daveC;
    expect((await last.trpc('member.changeRole', { orgId: ids.orgA, userId: owners[0].user_id, role: 'admin' })).status).toBe(400);
    expect((await last.trpc('member.remove', { orgId: ids.orgA, userId: owners[0].user_id })).status).toBe(400);
    // Put Dave back as owner for the tests after this one (only an owner can).
    expect((await last.trpc('member.changeRole', { orgId: ids.orgA, userId: owners[0].user_id === ids.alice ? ids.dave : ids.alice, role: 'owner' })).status).toBe(200);
  });
});

describe('inputs', () => {
  it('a NUL byte or a lone surrogate is a 400 without Postgres text, in public and org procedures', async () => {
    const anon = client('127.0.0.16');
    for (const name of ['nul\u0000name', 'lone\ud800surrogate']) {
      const r = await anon.trpc('auth.signUp', { name, email: `weird-${name.length}@example.com`, password: 'weird-password' });
      expect(r.status, name).toBe(400);
      expect(r.text).not.toMatch(PG_TEXT);
    }
    const bob = await signedIn('bob', '127.0.0.17');
    const project = await bob.trpc('project.create', { orgId: ids.orgB, name: 'nul\u0000project', repository: 'https://example.com/a/b.git' });
    expect(project.status).toBe(400);
    expect(project.text).not.toMatch(PG_TEXT);
    const rename = await bob.trpc('org.update', { orgId: ids.orgB, name: 'Beta\u0000' });
    expect(rename.status).toBe(400);
    expect(rename.text).not.toMatch(PG_TEXT);
    // A number Postgres cannot hold: the database refuses it, and the client learns nothing of its text.
    const revert = await bob.trpc('agentSettings.revertPrompt', { orgId: ids.orgB, path: 'roles/developer.md', version: 1e15 });
    expect(revert.status).toBeLessThan(500);
    expect(revert.text).not.toMatch(PG_TEXT);
  });
});

describe('inputs of every procedure', () => {
  it('NUL in every string of every procedure input is BAD_REQUEST, whatever its schema', async () => {
    // Ids stay valid (Bob's organisation), so the text fields themselves are what is refused.
    const caller = createCallerFactory(appRouter)(userContext(t.db, ids.bob));
    const poison = (v: unknown, key = ''): unknown =>
      typeof v === 'string'
        ? /(^|[a-z])Id$|^orgId$/.test(key) ? v : `${v}\u0000`
        : Array.isArray(v) ? v.map((x) => poison(x, key)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)])) : v;
    const procs = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { inputs: unknown[] } }> } })._def.procedures);
    const wrong: string[] = [];
    let probed = 0;
    for (const [path, proc] of procs) {
      const schema = procedureInput(proc);
      if (!schema) continue;
      const sample = sampleFor(schema, { orgId: ids.orgB });
      const input = poison(sample);
      if (!JSON.stringify(input).includes('\\u0000')) continue; // no text field in it
      let fn: any = caller;
      for (const seg of path.split('.')) fn = fn[seg];
      const code = await errorCode(fn(input));
      if (code !== 'BAD_REQUEST') wrong.push(`${path}: ${code}`);
      probed++;
    }
    expect(wrong).toEqual([]);
    expect(probed).toBeGreaterThan(25);
  });
});

describe('security headers', () => {
  it('every response of the server carries them (API, auth, assets, fallbacks)', async () => {
    const c = client('127.0.0.22');
    for (const path of ['/api/health', '/api/auth/csrf', '/api/trpc/auth.me', '/monaco/vs/loader.js', '/anything-else']) {
      const res = await c.fetch(path);
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['referrer-policy'], path).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(String(res.headers['content-security-policy']), path).toContain("frame-ancestors 'none'");
      expect(String(res.headers['content-security-policy']), path).not.toContain('unsafe-eval');
    }
  });
});

describe('sign-up', { timeout: 240_000 }, () => {
  it('answers the same whether the email has an account or not', async () => {
    const c = client('127.0.0.18');
    const taken = await c.trpc('auth.signUp', { name: 'Not Alice', email: 'alice@example.com', password: 'whatever-password' });
    const fresh = await c.trpc('auth.signUp', { name: 'Fresh', email: 'fresh-person@example.com', password: 'whatever-password' });
    expect(taken.status).toBe(200);
    expect(fresh.status).toBe(200);
    expect(JSON.stringify(taken.data).replace('alice@example.com', 'X')).toBe(JSON.stringify(fresh.data).replace('fresh-person@example.com', 'X'));
    // Alice's password is unchanged.
    await signedIn('alice', '127.0.0.18');
  });

  it("the instance's owner can make sign-up invitation-only; nobody else can", async () => {
    const bob = await signedIn('bob', '127.0.0.19');
    expect((await bob.trpc('instance.update', { openSignUp: false })).status).toBe(403);
    const alice = await signedIn('alice', '127.0.0.19');
    expect((await alice.trpc('instance.update', { openSignUp: false })).status).toBe(200);
    const anon = client('127.0.0.20');
    expect((await anon.trpc('instance.settings', undefined, 'query')).data).toMatchObject({ openSignUp: false });
    const refused = await anon.trpc('auth.signUp', { name: 'Walk In', email: 'walk-in@example.com', password: 'walk-in-password' });
    expect(refused.status).toBe(403);
    expect(await t.db.selectFrom('users').select('id').where('email', '=', 'walk-in@example.com').executeTakeFirst()).toBeUndefined();
    // An invitation (here from organisation B) still lets its invitee create an account.
    const inv = await bob.trpc('invitation.create', { orgId: ids.orgB, email: 'invitee@example.com', role: 'member' });
    const token = (inv.data as { token: string }).token;
    expect((await anon.trpc('auth.signUp', { name: 'Invitee', email: 'invitee@example.com', password: 'invitee-password', invitationToken: token })).status).toBe(200);
    const invitee = client('127.0.0.20');
    expect((await invitee.signIn('invitee@example.com', 'invitee-password')).ok).toBe(true);
    expect((await invitee.trpc('invitation.accept', { token })).status).toBe(200);
    expect((await alice.trpc('instance.update', { openSignUp: true })).status).toBe(200);
  });
});
