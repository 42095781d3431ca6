'use client';
import { useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { trpc } from '@/components/trpc';
import { Button, ErrorMessage, Field } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

export default function OnboardingPage() {
  usePageTitle(['New organization']);
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const create = trpc.org.create.useMutation();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const name = String(new FormData(e.currentTarget).get('name'));
    try {
      const org = await create.mutateAsync({ name });
      router.push(`/o/${org.slug}/projects`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold">Create an organization</h1>
      <p className="text-sm text-slate-600">Projects, specs, runs and settings belong to an organization. You can invite your team next.</p>
      <form onSubmit={onSubmit} className="flex flex-col gap-4">
        <Field label="Organization name" name="name" required />
        <ErrorMessage>{error}</ErrorMessage>
        <Button type="submit" disabled={create.isPending}>
          Create organization
        </Button>
      </form>
    </main>
  );
}
