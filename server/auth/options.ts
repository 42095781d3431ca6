import type { NextAuthOptions } from 'next-auth';
import CredentialsProviderImport from 'next-auth/providers/credentials';
import { cjsDefault } from './cjs-default';

const CredentialsProvider = cjsDefault(CredentialsProviderImport);
import { githubProvider, githubSignInEmail, type GitHubProfile } from './github-provider';
import { getDb } from '../db/client';
import { authenticate, currentSessionVersion, ensureGithubUser, mayGithubSignIn, revokeSessions } from '../services/users';
import { AppError } from '../errors/app-error';
import { getLogger } from '../observability/logger';

/** Thrown by the JWT callback for a token whose session was revoked; next-auth then clears the cookie. */
const SESSION_REVOKED = 'session revoked';

/** Whether a decoded session token still holds: its user exists and it carries the user's current session version. */
export async function sessionTokenValid(jwt: object): Promise<boolean> {
  const token = jwt as { uid?: unknown; sv?: unknown };
  if (typeof token.uid !== 'string') return false;
  const current = await currentSessionVersion(getDb(), token.uid);
  // Tokens issued before session versions existed carry none: they count as version 0.
  return current !== null && current === (typeof token.sv === 'number' ? token.sv : 0);
}

/**
 * next-auth: email + password always, GitHub OAuth when GITHUB_ID/GITHUB_SECRET are set; JWT
 * sessions carrying the user's session version. Built per request: `clientAddress` is the socket's
 * peer (or what a trusted proxy forwarded, see server/http/client-address.ts), never a header the
 * caller chose.
 */
export function authOptions(request: { clientAddress: string | null } = { clientAddress: null }): NextAuthOptions {
  const github = process.env.GITHUB_ID && process.env.GITHUB_SECRET;
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: 30 * 24 * 3600 },
    pages: { signIn: '/signin' },
    logger: {
      // A revoked session is expected, not a server fault worth a stack trace.
      error(code, metadata) {
        if (code === 'JWT_SESSION_ERROR' && (metadata as { message?: string })?.message === SESSION_REVOKED) return;
        getLogger({ component: 'auth' }).error(`next-auth ${code}: ${String((metadata as { message?: string })?.message ?? metadata)}`);
      },
      warn() {},
      debug() {},
    },
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials) {
          if (!credentials?.email || !credentials.password) return null;
          try {
            const user = await authenticate(getDb(), { email: credentials.email, password: credentials.password, ip: request.clientAddress });
            return user ? { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion } : null;
          } catch (err) {
            // The rate-limit message is the only one shown verbatim; everything else is generic.
            if (err instanceof AppError && err.code === 'TOO_MANY_REQUESTS') throw new Error(err.userMessage);
            throw err;
          }
        },
      }),
      ...(github ? [githubProvider()] : []),
    ],
    callbacks: {
      async signIn({ account, profile }) {
        // A GitHub login of someone without an account creates one: only while sign-up is open, or
        // for an email holding an invitation.
        if (account?.provider !== 'github' || !profile) return true;
        const p = profile as unknown as GitHubProfile;
        return mayGithubSignIn(getDb(), { githubId: String(p.id), email: githubSignInEmail(p) });
      },
      async jwt({ token, user, account, profile }) {
        if (account?.provider === 'github' && profile) {
          const p = profile as unknown as GitHubProfile;
          const email = githubSignInEmail(p);
          const local = await ensureGithubUser(getDb(), { githubId: String(p.id), email, name: p.name ?? p.login ?? email });
          token.uid = local.id;
          token.sv = local.session_version;
        } else if (user) {
          token.uid = user.id;
          token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        } else if (!(await sessionTokenValid(token))) {
          throw new Error(SESSION_REVOKED);
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && typeof token.uid === 'string') (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
    events: {
      // Signing out ends the session for good: the token's version is retired, so a copy of the
      // cookie kept elsewhere stops working too (as do the user's other sessions of that version).
      async signOut({ token }) {
        if (typeof token?.uid === 'string') await revokeSessions(getDb(), token.uid, typeof token.sv === 'number' ? token.sv : 0);
      },
    },
  };
}
