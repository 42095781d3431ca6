/**
 * The resolver on a real organisation in the embedded Postgres: secrets go through the encrypted
 * store, the App installation token comes from a local GitHub stand-in, and a pull request is
 * opened with whichever credential the resolver chose.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { deleteSecret, listSecrets, orgProviderSettings, setSecret } from '../services/secrets';
import type { OrgScope } from '../services/scope';
import { InMemoryPullRequestStore, openOrUpdatePullRequest } from '../repos/pull-requests';
import { createInstallationTokenCache } from './app-auth';
import { GitHubAppConfigError } from './app-jwt';
import { githubAuthSourceOf, githubTokenFor } from './github-auth';
import { startLocalGitHubApi, type LocalGitHubApi } from './testing/local-github-api';

const APP_ID = 777001;
const INSTALLATION_ID = 55667788;
const PAT = 'ghp_personalAccessToken0123456789abcdef';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

let t: TestDatabase;
let api: LocalGitHubApi;
let scope: OrgScope;
const clock = Date.parse('2025-06-01T08:00:00Z');
const now = () => clock;
const cache = createInstallationTokenCache({ now });

beforeAll(async () => {
  t = await createTestDatabase('ghauth');
  api = await startLocalGitHubApi({ appId: APP_ID, installationId: INSTALLATION_ID, publicKey, now });
  const owner = await createUser(t.db, { name: 'Owner', email: 'owner@gh.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'GitHub Org', ownerId: owner.id });
  scope = { orgId: org.id, userId: owner.id, role: 'owner' };
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

describe('githubTokenFor', () => {
  it('has nothing to offer an organisation without GitHub secrets', async () => {
    expect(await githubTokenFor(t.db, scope.orgId, { cache })).toEqual({ source: 'none', token: undefined, apiUrl: undefined, host: undefined, secrets: [] });
  });

  it('uses GITHUB_TOKEN when no App is configured', async () => {
    await setSecret(t.db, scope, { name: 'GITHUB_TOKEN', value: PAT });
    const auth = await githubTokenFor(t.db, scope.orgId, { cache });
    expect(auth.source).toBe('token');
    expect(auth.token).toBe(PAT);
    expect(githubAuthSourceOf((await listSecrets(t.db, scope)).map((s) => s.name))).toBe('token');
  });

  it('refuses a partly configured App instead of silently falling back to the token', async () => {
    await setSecret(t.db, scope, { name: 'GITHUB_APP_ID', value: String(APP_ID) });
    const err = await githubTokenFor(t.db, scope.orgId, { cache }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(GitHubAppConfigError);
    expect((err as Error).message).toContain('set GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID');
  });

  it('prefers the App installation token over GITHUB_TOKEN, and marks it for redaction', async () => {
    await setSecret(t.db, scope, { name: 'GITHUB_APP_PRIVATE_KEY', value: PEM });
    await setSecret(t.db, scope, { name: 'GITHUB_APP_INSTALLATION_ID', value: String(INSTALLATION_ID) });
    await setSecret(t.db, scope, { name: 'GITHUB_API_URL', value: `${api.url}/` });
    const before = api.minted.length;
    const auth = await githubTokenFor(t.db, scope.orgId, { cache });
    expect(api.lastRejection).toBeNull();
    expect(api.minted.length).toBe(before + 1);
    expect(auth.source).toBe('app');
    expect(auth.token).toBe(api.minted.at(-1));
    expect(auth.token).not.toBe(PAT);
    expect(auth.apiUrl).toBe(api.url);
    expect(auth.secrets).toEqual([auth.token]);
    // Cached: a second resolution mints nothing.
    expect((await githubTokenFor(t.db, scope.orgId, { cache })).token).toBe(auth.token);
    expect(api.minted.length).toBe(before + 1);
    expect(githubAuthSourceOf((await listSecrets(t.db, scope)).map((s) => s.name))).toBe('app');
    // The key is redacted like any secret; the App and installation ids are identifiers, not secrets.
    const { secrets } = await orgProviderSettings(t.db, scope.orgId);
    expect(secrets).toContain(PEM);
    expect(secrets).not.toContain(String(APP_ID));
    expect(secrets).not.toContain(String(INSTALLATION_ID));
  });

  it('opens a pull request with the installation token against GITHUB_API_URL', async () => {
    const auth = await githubTokenFor(t.db, scope.orgId, { cache });
    const store = new InMemoryPullRequestStore();
    const res = await openOrUpdatePullRequest({
      store,
      projectId: 'p1',
      branch: 'nightshift/t1-add-login',
      base: 'main',
      title: 'Add login',
      body: 'report',
      labels: ['nightshift'],
      remoteUrl: 'https://github.com/acme/widgets.git',
      token: auth.token,
      githubApiUrl: auth.apiUrl,
      githubHost: auth.host,
    });
    expect(res.action).toBe('created');
    expect(res.record).toMatchObject({ provider: 'github', number: 1, url: `${api.url}/acme/widgets/pull/1` });
    const create = api.seen.find((r) => r.method === 'POST' && r.path === '/repos/acme/widgets/pulls')!;
    expect(create.headers.authorization).toBe(`token ${auth.token}`);
    expect(api.seen.filter((r) => r.path.startsWith('/repos/')).every((r) => r.headers.authorization === `token ${auth.token}`)).toBe(true);
  });

  it('goes back to GITHUB_TOKEN once the App secrets are deleted', async () => {
    for (const s of await listSecrets(t.db, scope)) if (s.name.startsWith('GITHUB_APP_')) await deleteSecret(t.db, scope, { secretId: s.id });
    const auth = await githubTokenFor(t.db, scope.orgId, { cache });
    expect(auth).toMatchObject({ source: 'token', token: PAT, apiUrl: api.url, secrets: [] });
  });
});
