import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { githubProvider, githubSignInEmail, type GitHubProfile } from './github-provider';
import { getDb } from '../db/client';
import { authenticate, ensureGithubUser } from '../services/users';
import { AppError } from '../errors/app-error';

/** next-auth: email + password always, GitHub OAuth when GITHUB_ID/GITHUB_SECRET are set; JWT sessions. */
export function authOptions(): NextAuthOptions {
  const github = process.env.GITHUB_ID && process.env.GITHUB_SECRET;
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: 30 * 24 * 3600 },
    pages: { signIn: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          if (!credentials?.email || !credentials.password) return null;
          const fwd = req?.headers?.['x-forwarded-for'];
          const ip = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
          try {
            const user = await authenticate(getDb(), { email: credentials.email, password: credentials.password, ip });
            return user ? { id: user.id, email: user.email, name: user.name } : null;
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
      async jwt({ token, user, account, profile }) {
        if (account?.provider === 'github' && profile) {
          const p = profile as unknown as GitHubProfile;
          const email = githubSignInEmail(p);
          const local = await ensureGithubUser(getDb(), { githubId: String(p.id), email, name: p.name ?? p.login ?? email });
          token.uid = local.id;
        } else if (user) {
          token.uid = user.id;
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && typeof token.uid === 'string') (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
  };
}
