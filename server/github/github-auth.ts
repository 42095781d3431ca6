/**
 * Which GitHub credential an organisation's work uses: its GitHub App installation when the App
 * is configured, else its personal/fine-grained `GITHUB_TOKEN`, else none (local pull requests,
 * public fetches). One resolver so fetch, push and pull requests never disagree.
 */
import type { DB } from '../db/client';
import { orgProviderSettings } from '../services/secrets';
import { GitHubAppConfigError, installationTokens, normaliseApiUrl, type InstallationTokenCache } from './app-auth';

/** Org secret names for GitHub (set through the secret store). */
export const GITHUB_SECRET_NAMES = {
  token: 'GITHUB_TOKEN',
  appId: 'GITHUB_APP_ID',
  appPrivateKey: 'GITHUB_APP_PRIVATE_KEY',
  appInstallationId: 'GITHUB_APP_INSTALLATION_ID',
  apiUrl: 'GITHUB_API_URL',
  host: 'GITHUB_HOST',
} as const;

const APP_FIELDS = [GITHUB_SECRET_NAMES.appId, GITHUB_SECRET_NAMES.appPrivateKey, GITHUB_SECRET_NAMES.appInstallationId] as const;

export type GitHubAuthSource = 'app' | 'token' | 'none';

export type GitHubAuth = {
  source: GitHubAuthSource;
  /** The token for git over HTTPS and the REST API; undefined when none is configured. */
  token?: string;
  /** REST API root when the organisation set GITHUB_API_URL (GitHub Enterprise, tests). */
  apiUrl?: string;
  /** Web host of the repositories when not github.com (GitHub Enterprise). */
  host?: string;
  /** Values minted here that redaction must know about (the installation token). */
  secrets: string[];
};

/** Names only: what the settings page shows about the configured method. */
export function githubAuthSourceOf(secretNames: Iterable<string>): GitHubAuthSource {
  const names = new Set(secretNames);
  if (APP_FIELDS.every((n) => names.has(n))) return 'app';
  return names.has(GITHUB_SECRET_NAMES.token) ? 'token' : 'none';
}

/**
 * Resolve from settings already read with `orgProviderSettings` (no second query). A partly
 * configured App is an error rather than a silent fall-back to GITHUB_TOKEN: the admin meant the App.
 *
 * @example const github = await githubAuthFromSettings(orgId, env); secrets.push(...github.secrets)
 */
export async function githubAuthFromSettings(
  orgId: string,
  env: Record<string, string | undefined>,
  opts: { cache?: InstallationTokenCache } = {},
): Promise<GitHubAuth> {
  const apiUrl = env[GITHUB_SECRET_NAMES.apiUrl]?.trim() ? normaliseApiUrl(env[GITHUB_SECRET_NAMES.apiUrl]) : undefined;
  const host = env[GITHUB_SECRET_NAMES.host]?.trim() || undefined;
  const present = APP_FIELDS.filter((n) => env[n]?.trim());
  if (present.length > 0 && present.length < APP_FIELDS.length) {
    const missing = APP_FIELDS.filter((n) => !present.includes(n));
    throw new GitHubAppConfigError(`The GitHub App is partly configured: set ${missing.join(' and ')} as organisation secrets (or delete ${present.join(', ')} to use GITHUB_TOKEN)`);
  }
  if (present.length === APP_FIELDS.length) {
    const { token } = await (opts.cache ?? installationTokens).get(orgId, {
      appId: env[GITHUB_SECRET_NAMES.appId]!,
      privateKey: env[GITHUB_SECRET_NAMES.appPrivateKey]!,
      installationId: env[GITHUB_SECRET_NAMES.appInstallationId]!,
      apiUrl,
    });
    return { source: 'app', token, apiUrl, host, secrets: [token] };
  }
  const token = env[GITHUB_SECRET_NAMES.token]?.trim() || undefined;
  return { source: token ? 'token' : 'none', token, apiUrl, host, secrets: [] };
}

/** The organisation's GitHub credential, reading its secrets. */
export async function githubTokenFor(db: DB, orgId: string, opts: { cache?: InstallationTokenCache } = {}): Promise<GitHubAuth> {
  const { env } = await orgProviderSettings(db, orgId);
  return githubAuthFromSettings(orgId, env, opts);
}
