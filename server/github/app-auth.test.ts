/**
 * GitHub App authentication against a local stand-in for the REST API that verifies the JWT with
 * the public half of a keypair made here. Time is an injected clock: nothing sleeps.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInstallationTokenCache, GitHubAppAuthError, mintInstallationToken, TOKEN_RENEW_BEFORE_EXPIRY_MS, type GitHubAppConfig } from './app-auth';
import { APP_JWT_BACKDATE_SECONDS, createAppJwt, GitHubAppConfigError, loadAppPrivateKey } from './app-jwt';
import { startLocalGitHubApi, type LocalGitHubApi } from './testing/local-github-api';

const APP_ID = 31337;
const INSTALLATION_ID = 4242;
const TOKEN_TTL_MS = 60 * 60_000;
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
// GitHub hands out PKCS#1 PEM files.
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

let clock = Date.parse('2025-03-01T12:00:00Z');
const now = () => clock;
let api: LocalGitHubApi;
const config = (over: Partial<GitHubAppConfig> = {}): GitHubAppConfig => ({ appId: String(APP_ID), privateKey: PEM, installationId: String(INSTALLATION_ID), apiUrl: api.url, ...over });

const decode = (jwt: string) => jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>);

beforeAll(async () => {
  api = await startLocalGitHubApi({ appId: APP_ID, installationId: INSTALLATION_ID, publicKey, now, tokenTtlMs: TOKEN_TTL_MS });
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  api.failMintsWith = null;
  api.lastRejection = null;
});

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('App JWT', () => {
  it('is RS256, issued 60 s in the past, expires within ten minutes, and verifies with the public key', () => {
    const jwt = createAppJwt({ appId: String(APP_ID), privateKey: loadAppPrivateKey(PEM), nowMs: clock });
    const [header, claims] = decode(jwt);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    const nowS = Math.floor(clock / 1000);
    expect(claims!.iss).toBe(APP_ID);
    expect(claims!.iat).toBe(nowS - APP_JWT_BACKDATE_SECONDS);
    expect(claims!.exp as number).toBeGreaterThan(nowS);
    expect((claims!.exp as number) - nowS).toBeLessThanOrEqual(600);
    const [h, p, s] = jwt.split('.');
    expect(crypto.verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });

  it('accepts a key pasted with literal \\n sequences and a PKCS#8 key', () => {
    expect(loadAppPrivateKey(PEM.replace(/\n/g, '\\n')).asymmetricKeyType).toBe('rsa');
    expect(loadAppPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).asymmetricKeyType).toBe('rsa');
  });

  it('refuses a bad PEM and a non-RSA key without quoting them', () => {
    const garbage = '-----BEGIN RSA PRIVATE KEY-----\nnot-really-a-key-c2VjcmV0\n-----END RSA PRIVATE KEY-----';
    const bad = (() => {
      try {
        loadAppPrivateKey(garbage);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(bad).toBeInstanceOf(GitHubAppConfigError);
    expect(bad!.message).toContain('GITHUB_APP_PRIVATE_KEY');
    expect(bad!.message).not.toContain('c2VjcmV0');
    expect(() => loadAppPrivateKey('hello')).toThrow(/not a PEM private key/);
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadAppPrivateKey(ec)).toThrow(/ec key; GitHub Apps sign with RSA/);
  });
});

describe('installation tokens', () => {
  it('mints once with the documented headers and reuses the token for every caller, concurrent ones too', async () => {
    const cache = createInstallationTokenCache({ now });
    const before = api.minted.length;
    const [a, b] = await Promise.all([cache.get('org-a', config()), cache.get('org-a', config())]);
    const c = await cache.get('org-a', config());
    expect(api.minted.length - before).toBe(1);
    expect(a.token).toBe(api.minted.at(-1));
    expect(b.token).toBe(a.token);
    expect(c.token).toBe(a.token);
    expect(a.expiresAt.getTime()).toBe(clock + TOKEN_TTL_MS);
    const mint = api.seen.filter((r) => r.path === `/app/installations/${INSTALLATION_ID}/access_tokens`).at(-1)!;
    expect(mint.method).toBe('POST');
    expect(mint.headers.accept).toBe('application/vnd.github+json');
    expect(mint.headers['x-github-api-version']).toBe('2022-11-28');
    expect(mint.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(api.lastRejection).toBeNull();
  });

  it('keeps an organisation’s token until five minutes before it expires, then mints a new one', async () => {
    const cache = createInstallationTokenCache({ now });
    const first = await cache.get('org-b', config());
    const minted = api.minted.length;
    clock += TOKEN_TTL_MS - TOKEN_RENEW_BEFORE_EXPIRY_MS - 60_000; // 54 minutes on: still good
    expect((await cache.get('org-b', config())).token).toBe(first.token);
    expect(api.minted.length).toBe(minted);
    clock += 2 * 60_000; // 56 minutes on: inside the renewal window
    const second = await cache.get('org-b', config());
    expect(second.token).not.toBe(first.token);
    expect(api.minted.length).toBe(minted + 1);
    // The JWT for the second mint was signed at the advanced clock (the server checked iat/exp against it).
    expect(api.lastRejection).toBeNull();
    expect((await cache.get('org-b', config())).token).toBe(second.token);
  });

  it('mints separately per organisation and per installation', async () => {
    const cache = createInstallationTokenCache({ now });
    const a = await cache.get('org-c', config());
    const b = await cache.get('org-d', config());
    expect(a.token).not.toBe(b.token);
    const missing = await errorOf(cache.get('org-c', config({ installationId: '999' })));
    expect(missing).toBeInstanceOf(GitHubAppAuthError);
    expect(missing.message).toMatch(/installation 999 \(404\)/);
    expect(missing.message).toContain('GITHUB_APP_INSTALLATION_ID');
  });

  it('reports a 401 clearly, naming the App and installation, with no key, JWT or token in the message', async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const err = await errorOf(mintInstallationToken(config({ privateKey: other }), { now }));
    expect(api.lastRejection).toBe('bad signature');
    expect(err).toBeInstanceOf(GitHubAppAuthError);
    expect((err as GitHubAppAuthError).status).toBe(401);
    expect(err.message).toContain(`GitHub App ${APP_ID} installation ${INSTALLATION_ID}`);
    expect(err.message).toContain('(401)');
    expect(err.message).toContain('GITHUB_APP_PRIVATE_KEY');
    const jwt = api.seen.at(-1)!.headers.authorization!.slice('Bearer '.length);
    const keyBody = other.split('\n')[1]!;
    for (const secret of [jwt, keyBody, ...api.minted]) expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(keyBody);
  });

  it('does not cache a failure: the next call after a fix mints', async () => {
    const cache = createInstallationTokenCache({ now });
    api.failMintsWith = 401;
    expect((await errorOf(cache.get('org-e', config()))).message).toMatch(/\(401\)/);
    api.failMintsWith = null;
    const t = await cache.get('org-e', config());
    expect(t.token).toBe(api.minted.at(-1));
  });

  it('refuses a non-numeric installation id and App id before calling GitHub', async () => {
    const calls = api.seen.length;
    await expect(mintInstallationToken(config({ installationId: 'acme' }), { now })).rejects.toThrow(/GITHUB_APP_INSTALLATION_ID must be the numeric/);
    await expect(mintInstallationToken(config({ appId: 'my app' }), { now })).rejects.toThrow(/GITHUB_APP_ID must be/);
    expect(api.seen.length).toBe(calls);
  });
});
