'use client';
import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { trpc } from '../../components/trpc';
import { Button, ErrorMessage, Field } from '../../components/ui/form';

export default function SignUpPage() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const signUp = trpc.auth.signUp.useMutation();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    const input = { name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')) };
    try {
      await signUp.mutateAsync(input);
    } catch (err) {
      return setError((err as Error).message);
    }
    const res = await signIn('credentials', { email: input.email, password: input.password, redirect: false });
    if (res?.error) return setError('Your account was created, but signing in failed. Try signing in.');
    router.push(safeNext() ?? '/onboarding');
  }

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold">Create your account</h1>
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

/** Where to go after signing in: only a same-site path, never another origin. */
function safeNext(): string | null {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}
