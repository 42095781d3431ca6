/**
 * GitHub App installation tokens: sign the App JWT, exchange it for an installation access token
 * (`POST /app/installations/{id}/access_tokens`), and keep that token until shortly before it
 * expires so every fetch, push and pull request of an organisation does not mint a new one.
 * Nothing here ever puts the private key, the JWT or a token into an error message.
 */
import { createAppJwt, GitHubAppConfigError, loadAppPrivateKey } from './app-jwt';
import { guardedFetch } from '../net/outbound';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_API_VERSION = '2022-11-28';
/** Installation tokens live an hour; renew five minutes early so a git push never starts on a dying token. */
export const TOKEN_RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;
/** A mint is one small request: a hung GitHub must not stall a worker. */
export const MINT_TIMEOUT_MS = 15_000;
/** GitHub's error messages are short; cap what we quote of an unexpected body. */
const MAX_QUOTED_MESSAGE = 200;

export type GitHubAppConfig = {
  appId: string;
  /** The App's PEM private key. */
  privateKey: string;
  installationId: string;
  /** REST API root, e.g. https://ghe.example.com/api/v3 (default https://api.github.com). */
  apiUrl?: string;
};

export type InstallationToken = { token: string; expiresAt: Date };

export class GitHubAppAuthError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'GitHubAppAuthError';
  }
}

export { GitHubAppConfigError };

/** `https://ghe.example.com/api/v3/` → `https://ghe.example.com/api/v3`, validated. */
export function normaliseApiUrl(url: string | undefined): string {
  const raw = (url ?? '').trim() || DEFAULT_GITHUB_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new GitHubAppConfigError(`GITHUB_API_URL is not a URL: ${raw.slice(0, 100)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new GitHubAppConfigError('GITHUB_API_URL must be an http(s) URL');
  return raw.replace(/\/+$/, '');
}

type Deps = { fetch?: typeof fetch; now?: () => number };

/** Exchange a freshly signed App JWT for an installation token. One request, no caching. */
export async function mintInstallationToken(config: GitHubAppConfig, deps: Deps = {}): Promise<InstallationToken> {
  const installationId = config.installationId.trim();
  if (!/^\d+$/.test(installationId)) {
    throw new GitHubAppConfigError('GITHUB_APP_INSTALLATION_ID must be the numeric installation id (the number at the end of the installation\'s settings URL)');
  }
  const now = deps.now ?? Date.now;
  const jwt = createAppJwt({ appId: config.appId, privateKey: loadAppPrivateKey(config.privateKey), nowMs: now() });
  const api = normaliseApiUrl(config.apiUrl);
  const what = `GitHub App ${config.appId.trim()} installation ${installationId}`;
  let res: Response;
  try {
    res = await (deps.fetch ?? guardedFetch)(`${api}/app/installations/${installationId}/access_tokens`, {
      method: 'POST',
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${jwt}`,
        'X-GitHub-Api-Version': GITHUB_API_VERSION,
        'User-Agent': 'nightshift',
      },
      signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
    });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${MINT_TIMEOUT_MS / 1000} s` : (err as Error).message;
    throw new GitHubAppAuthError(`Could not reach ${api} to mint a token for ${what}: ${reason}`, null);
  }
  const text = await res.text();
  const body = parseJson(text);
  if (!res.ok) throw new GitHubAppAuthError(explainFailure(res.status, what, body, [jwt]), res.status);
  const token = typeof body?.token === 'string' ? body.token : '';
  const expiresAt = typeof body?.expires_at === 'string' ? new Date(body.expires_at) : new Date(NaN);
  if (!token || Number.isNaN(expiresAt.getTime())) {
    throw new GitHubAppAuthError(`GitHub answered ${res.status} for ${what} without a token and an expires_at`, res.status);
  }
  return { token, expiresAt };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function explainFailure(status: number, what: string, body: Record<string, unknown> | undefined, hide: string[]): string {
  let said = typeof body?.message === 'string' ? body.message.slice(0, MAX_QUOTED_MESSAGE) : '';
  for (const h of hide) said = said.split(h).join('[redacted]');
  const quoted = said ? ` (GitHub said: ${said})` : '';
  switch (status) {
    case 401:
      return `GitHub rejected the App's credentials for ${what} (401)${quoted}: check GITHUB_APP_ID and that GITHUB_APP_PRIVATE_KEY is a current key of that App`;
    case 403:
      return `GitHub refused a token for ${what} (403)${quoted}: the installation may be suspended or the App lacks permissions`;
    case 404:
      return `GitHub has no ${what} (404)${quoted}: check GITHUB_APP_INSTALLATION_ID and that the App is installed on the organisation`;
    default:
      return `GitHub could not mint a token for ${what} (${status})${quoted}`;
  }
}

/**
 * Installation tokens per organisation and installation, reused until
 * TOKEN_RENEW_BEFORE_EXPIRY_MS before they expire. Concurrent callers share one mint.
 *
 * @example const cache = createInstallationTokenCache(); const { token } = await cache.get(orgId, config)
 */
export function createInstallationTokenCache(deps: Deps = {}) {
  const now = deps.now ?? Date.now;
  const entries = new Map<string, InstallationToken>();
  const inFlight = new Map<string, Promise<InstallationToken>>();
  // The App id and API root are part of the key: changing either in settings must not reuse a token.
  const keyOf = (orgId: string, c: GitHubAppConfig) => [orgId, normaliseApiUrl(c.apiUrl), c.appId.trim(), c.installationId.trim()].join('\u0000');

  return {
    async get(orgId: string, config: GitHubAppConfig): Promise<InstallationToken> {
      const key = keyOf(orgId, config);
      const hit = entries.get(key);
      if (hit && hit.expiresAt.getTime() - TOKEN_RENEW_BEFORE_EXPIRY_MS > now()) return hit;
      const pending = inFlight.get(key);
      if (pending) return pending;
      const p = mintInstallationToken(config, { ...deps, now })
        .then((t) => {
          entries.set(key, t);
          return t;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
    /** Forget an organisation's tokens (e.g. after its App settings change or GitHub says 401). */
    forget(orgId: string) {
      for (const k of entries.keys()) if (k.startsWith(`${orgId}\u0000`)) entries.delete(k);
    },
    size: () => entries.size,
  };
}

export type InstallationTokenCache = ReturnType<typeof createInstallationTokenCache>;

/** The process-wide cache the workers use. */
export const installationTokens: InstallationTokenCache = createInstallationTokenCache();
