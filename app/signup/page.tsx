'use client';
import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { trpc } from '@/components/trpc';
import { Button, ErrorMessage, Field } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

export default function SignUpPage() {
  usePageTitle(['Create account']);
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const signUp = trpc.auth.signUp.useMutation();
  const instance = trpc.instance.settings.useQuery();
  const invitationToken = invitationFromNext();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    const input = { name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')), invitationToken };
    try {
      await signUp.mutateAsync(input);
    } catch (err) {
      return setError((err as Error).message);
    }
    // The server answers the same for an email that already had an account (so nobody can probe
    // which emails do); signing in is what tells the person.
    const res = await signIn('credentials', { email: input.email, password: input.password, redirect: false });
    if (res?.error) return setError(res.error.startsWith('Too many') ? res.error : 'Could not sign you in. If you already have an account with this email, sign in instead.');
    router.push(safeNext() ?? '/onboarding');
  }

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold">Create your account</h1>
      {instance.data && !instance.data.openSignUp && !invitationToken && (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Sign-up on this server is by invitation only. Open the invitation link you were sent to create your account.
        </p>
      )}
      <form onSubmit={onSubmit} className="flex flex-col gap-4" noValidate>
        <Field label="Name" name="name" autoComplete="name" required />
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" hint="At least 8 characters." required />
        <ErrorMessage>{error}</ErrorMessage>
        <Button type="submit" disabled={signUp.isPending}>
          Create account
        </Button>
      </form>
      <p className="text-sm text-slate-600">
        Already have an account? <Link href="/signin" className="text-indigo-700 underline">Sign in</Link>
      </p>
    </main>
  );
}

/** The invitation being accepted, when sign-up was reached from an invitation link (`?next=/invite/<token>`). */
function invitationFromNext(): string | undefined {
  if (typeof window === 'undefined') return undefined;
  const m = /^\/invite\/([^/?#]+)$/.exec(new URLSearchParams(window.location.search).get('next') ?? '');
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** Where to go after signing in: only a same-site path, never another origin. */
function safeNext(): string | null {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}
