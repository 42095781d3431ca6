import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Nightshift — specs in, pull requests out' };

export default function Landing() {
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center gap-8 px-6">
      <div className="flex flex-col gap-3">
        <h1 className="text-4xl font-bold tracking-tight">Nightshift</h1>
        <p className="text-lg text-slate-600">
          Specs in, pull requests out. Write a spec, let a fleet of coding agents plan, build, test and review it overnight,
          and review the pull requests in the morning.
        </p>
      </div>
      <nav aria-label="Account" className="flex gap-3">
        <Link href="/signin" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-100">
          Sign in
        </Link>
        <Link href="/signup" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">
          Create account
        </Link>
      </nav>
    </main>
  );
}
