import GitHubProviderImport from 'next-auth/providers/github';
import { cjsDefault } from './cjs-default';

const GitHubProvider = cjsDefault(GitHubProviderImport);
import type { OAuthConfig } from 'next-auth/providers/oauth';

/** What GitHub says about the person, with the one email we may trust to link accounts. */
export type GitHubProfile = { id: number | string; login?: string; name?: string | null; avatar_url?: string; email: string | null; email_verified: boolean };

type Env = Record<string, string | undefined>;

/**
 * GitHub sign-in. The web and API bases can be moved (`NIGHTSHIFT_GITHUB_OAUTH_URL`,
 * `NIGHTSHIFT_GITHUB_OAUTH_API_URL`) for GitHub Enterprise Server and for the end-to-end test's
 * stand-in. The profile's email is the primary *verified* address from `/user/emails` — an email
 * that is not verified could be anyone's, and Nightshift links a GitHub login to an existing
 * account by email, so an unverified one must never be used for that.
 */
export function githubProvider(env: Env = process.env): OAuthConfig<GitHubProfile> {
  const web = (env.NIGHTSHIFT_GITHUB_OAUTH_URL ?? 'https://github.com').replace(/\/+$/, '');
  const api = (env.NIGHTSHIFT_GITHUB_OAUTH_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  const base = GitHubProvider({ clientId: env.GITHUB_ID!, clientSecret: env.GITHUB_SECRET! }) as unknown as OAuthConfig<GitHubProfile>;
  return {
    ...base,
    issuer: `${web}/login/oauth`,
    authorization: { url: `${web}/login/oauth/authorize`, params: { scope: 'read:user user:email' } },
    token: `${web}/login/oauth/access_token`,
    userinfo: {
      url: `${api}/user`,
      async request({ tokens }) {
        const headers = { Authorization: `token ${tokens.access_token}`, Accept: 'application/vnd.github+json', 'User-Agent': 'nightshift' };
        const userRes = await fetch(`${api}/user`, { headers });
        if (!userRes.ok) throw new Error(`GitHub /user answered ${userRes.status}`);
        const user = (await userRes.json()) as Omit<GitHubProfile, 'email' | 'email_verified'>;
        const emailsRes = await fetch(`${api}/user/emails`, { headers });
        const emails = emailsRes.ok ? ((await emailsRes.json()) as Array<{ email: string; primary: boolean; verified: boolean }>) : [];
        const verified = emails.filter((e) => e.verified);
        const chosen = verified.find((e) => e.primary) ?? verified[0] ?? null;
        return { ...user, email: chosen?.email ?? null, email_verified: Boolean(chosen) } as never;
      },
    },
    profile(profile) {
      return { id: String(profile.id), name: profile.name ?? profile.login ?? null, email: profile.email, image: profile.avatar_url ?? null };
    },
  };
}

/** The email a GitHub login gets here: its verified address, else a GitHub no-reply address that links to nobody. */
export function githubSignInEmail(p: Pick<GitHubProfile, 'id' | 'login' | 'email' | 'email_verified'>): string {
  return p.email && p.email_verified ? p.email : `${p.id}+${p.login ?? 'github'}@users.noreply.github.com`;
}
