'use client';
import { useRouter } from 'next/navigation';
import { trpc } from './trpc';

export function OrgSwitcher({ currentSlug }: { currentSlug: string }) {
  const router = useRouter();
  const orgs = trpc.org.list.useQuery();
  return (
    <label className="flex min-w-0 items-center gap-2 text-sm">
      <span className="sr-only">Organization</span>
      <select
        aria-label="Organization"
        className="w-full max-w-[11rem] truncate rounded-md border border-slate-300 bg-white px-2 py-1 sm:max-w-xs"
        value={currentSlug}
        onChange={(e) => (e.target.value === '__new' ? router.push('/onboarding') : router.push(`/o/${e.target.value}/projects`))}
      >
        {orgs.data?.map((o) => (
          <option key={o.id} value={o.slug}>
            {o.name}
          </option>
        ))}
        {!orgs.data && <option value={currentSlug}>{currentSlug}</option>}
        <option value="__new">+ New organization…</option>
      </select>
    </label>
  );
}
