import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser, ensureGithubUser } from '../services/users';
import { githubProvider, githubSignInEmail } from './github-provider';

/** GitHub sign-in trusts only a verified email: an unverified one must not open someone else's account. */
let t: TestDatabase;
let server: http.Server;
let api: string;
let emails: Array<{ email: string; primary: boolean; verified: boolean }> = [];

beforeAll(async () => {
  t = await createTestDatabase('ghsignin');
  server = http.createServer((req, res) => {
    if (req.headers.authorization !== 'token gho_test') return res.writeHead(401).end('{}');
    const body = req.url === '/user' ? { id: 77, login: 'mallory', name: 'Mallory', email: 'victim@example.com' } : emails;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

async function profileWith(list: typeof emails) {
  emails = list;
  const provider = githubProvider({ GITHUB_ID: 'id', GITHUB_SECRET: 'secret', NIGHTSHIFT_GITHUB_OAUTH_API_URL: api });
  const userinfo = provider.userinfo as { request: (ctx: unknown) => Promise<Parameters<typeof githubSignInEmail>[0]> };
  return userinfo.request({ tokens: { access_token: 'gho_test' } });
}

describe('GitHub sign-in email', () => {
  it('uses the primary verified address, else any verified one, never the profile’s or an unverified one', async () => {
    expect(await profileWith([{ email: 'a@x.test', primary: true, verified: true }, { email: 'b@x.test', primary: false, verified: true }])).toMatchObject({ email: 'a@x.test', email_verified: true });
    expect(await profileWith([{ email: 'victim@example.com', primary: true, verified: false }, { email: 'b@x.test', primary: false, verified: true }])).toMatchObject({ email: 'b@x.test', email_verified: true });
    const none = await profileWith([{ email: 'victim@example.com', primary: true, verified: false }]);
    expect(none).toMatchObject({ email: null, email_verified: false, login: 'mallory' });
    expect(githubSignInEmail(none)).toBe('77+mallory@users.noreply.github.com');
  });

  it('an unverified address does not sign into the account that owns it', async () => {
    const victim = await createUser(t.db, { name: 'Victim', email: 'victim@example.com', password: 'victim-password-1' });
    const profile = await profileWith([{ email: 'victim@example.com', primary: true, verified: false }]);
    const signedIn = await ensureGithubUser(t.db, { githubId: String(profile.id), email: githubSignInEmail(profile), name: 'Mallory' });
    expect(signedIn.id).not.toBe(victim.id);
    expect(signedIn.email).toBe('77+mallory@users.noreply.github.com');
  });
});
