'use client';
import { use, type ReactNode } from 'react';
import { SettingsNav } from '../../../../components/settings/sections';

export default function SettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = use(params);
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Settings</h1>
      <div className="flex flex-col gap-6 md:flex-row md:items-start">
        <SettingsNav slug={slug} />
        {children}
      </div>
    </div>
  );
}
