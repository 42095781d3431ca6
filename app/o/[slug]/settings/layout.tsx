'use client';
import { use, type ReactNode } from 'react';
import { usePathname } from 'next/navigation';
import { useOrg } from '@/components/org-context';
import { SETTINGS_SECTIONS, SettingsNav } from '@/components/settings/sections';
import { Breadcrumbs } from '@/components/ui/page-header';

export default function SettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = use(params);
  const org = useOrg();
  const pathname = usePathname();
  const section = SETTINGS_SECTIONS.find((s) => pathname.startsWith(`/o/${slug}/settings/${s.id}`));
  return (
    <div className="flex min-w-0 flex-col gap-6">
      <div className="flex flex-col gap-2">
        <Breadcrumbs
          items={[
            { label: org.name, href: `/o/${slug}/dashboard` },
            { label: 'Settings', href: `/o/${slug}/settings` },
            ...(section ? [{ label: section.label }] : []),
          ]}
        />
        <h1 className="text-2xl font-semibold">Settings</h1>
      </div>
      <div className="flex flex-col gap-6 md:flex-row md:items-start">
        <SettingsNav slug={slug} />
        {children}
      </div>
    </div>
  );
}
