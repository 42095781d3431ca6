'use client';
import { useEffect, useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { getProviders, signIn } from 'next-auth/react';
import { Button, ErrorMessage, Field } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

export default function SignInPage() {
  usePageTitle(['Sign in']);
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // GitHub sign-in is offered only when the server has it configured (GITHUB_ID/GITHUB_SECRET).
  const [github, setGithub] = useState(false);
  useEffect(() => {
    getProviders()
      .then((p) => setGithub(Boolean(p?.github)))
      .catch(() => setGithub(false));
  }, []);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setPending(true);
    const form = new FormData(e.currentTarget);
    const res = await signIn('credentials', { email: String(form.get('email')), password: String(form.get('password')), redirect: false });
    setPending(false);
    // One message for every failure except the rate limit, so nobody learns which emails exist.
    if (!res || res.error) return setError(res?.error?.startsWith('Too many') ? res.error : 'Invalid email or password');
    router.push(safeNext() ?? '/orgs');
  }

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold">Sign in</h1>
      <form onSubmit={onSubmit} className="flex flex-col gap-4">
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <ErrorMessage>{error}</ErrorMessage>
        <Button type="submit" disabled={pending}>
          Sign in
        </Button>
      </form>
      {github && (
        <Button type="button" variant="secondary" onClick={() => void signIn('github', { callbackUrl: safeNext() ?? '/orgs' })}>
          Continue with GitHub
        </Button>
      )}
      <p className="text-sm text-slate-600">
        New here? <Link href="/signup" className="text-indigo-700 underline">Create account</Link>
      </p>
    </main>
  );
}

/** Where to go after signing in: only a same-site path, never another origin. */
function safeNext(): string | null {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}
