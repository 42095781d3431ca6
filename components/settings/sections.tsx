'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { trpc } from '../trpc';
import { useOrg, type OrgInfo } from '../org-context';
import { Card, CardHeadingLevel, Loading } from '../ui/form';
import { usePageTitle } from '../ui/page-header';

/**
 * The sections of Settings, each with its own URL (/o/SLUG/settings/ID). `adminOnly` sections show
 * members who to ask instead of forms; the others have a read-only view for members. A new
 * settings card goes into the section it belongs to (or a new entry here).
 */
export const SETTINGS_SECTIONS = [
  { id: 'general', label: 'General', adminOnly: false, about: 'The organization’s name, how complete a spec must be, how long run recordings are kept, and billing.' },
  { id: 'models', label: 'Models', adminOnly: false, about: 'Model providers and which model each agent uses.' },
  { id: 'agents', label: 'Skills and prompts', adminOnly: false, about: 'What the agents know and how they are instructed.' },
  { id: 'github', label: 'GitHub', adminOnly: true, about: 'How Nightshift fetches, pushes branches and opens pull requests on GitHub.' },
  { id: 'integrations', label: 'Slack, Discord and MCP', adminOnly: true, about: 'Where run notices go, and the MCP servers agents may use.' },
  { id: 'registries', label: 'Package registries', adminOnly: true, about: 'Where dependency installs may reach, mirrors and registry tokens.' },
  { id: 'secrets', label: 'Secrets', adminOnly: true, about: 'Encrypted values (keys, tokens) the organization’s settings use.' },
  { id: 'tokens', label: 'API tokens', adminOnly: true, about: 'Tokens for scripts and the MCP endpoint.' },
  { id: 'account', label: 'Your account', adminOnly: false, about: 'Your password, and this server’s sign-up (for its owner).' },
] as const;

export type SettingsSectionId = (typeof SETTINGS_SECTIONS)[number]['id'];

export const isAdmin = (org: OrgInfo) => org.role === 'owner' || org.role === 'admin';

export function SettingsNav({ slug }: { slug: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings sections" className="md:w-56 md:shrink-0">
      <ul className="flex flex-wrap gap-2 md:flex-col md:gap-1">
        {SETTINGS_SECTIONS.map((s) => {
          const href = `/o/${slug}/settings/${s.id}`;
          const active = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={s.id}>
              <Link
                href={href}
                aria-current={active ? 'page' : undefined}
                className={`block rounded-md px-3 py-1.5 text-sm ${active ? 'bg-indigo-50 font-semibold text-indigo-800' : 'text-slate-700 hover:bg-slate-100'} border border-slate-200 md:border-transparent`}
              >
                {s.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** One section's page: its heading and what it is for; members see `readOnly` or who to ask. */
export function SettingsSection({ id, children, memberView }: { id: SettingsSectionId; children: ReactNode; memberView?: ReactNode }) {
  const org = useOrg();
  const section = SETTINGS_SECTIONS.find((s) => s.id === id)!;
  const admin = isAdmin(org);
  usePageTitle([section.label, 'Settings', org.name]);
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-6">
      <div>
        <h2 className="text-xl font-semibold">{section.label}</h2>
        <p className="text-sm text-slate-600">{section.about}</p>
      </div>
      <CardHeadingLevel.Provider value={3}>{admin ? children : (memberView ?? (section.adminOnly ? <AskAnAdmin what={section.label} /> : children))}</CardHeadingLevel.Provider>
    </div>
  );
}

/** A member's answer instead of a form: what this is, that admins change it, and who they are. */
export function AskAnAdmin({ what }: { what: string }) {
  const org = useOrg();
  const members = trpc.member.list.useQuery({ orgId: org.id });
  const admins = (members.data ?? []).filter((m) => m.role === 'owner' || m.role === 'admin');
  return (
    <Card title="Managed by admins">
      <p className="text-sm">
        {what} is changed by the organization’s owners and admins; you are a {org.role}. Ask one of them if something here needs to change:
      </p>
      {members.isLoading && <Loading />}
      <ul aria-label="Admins" className="mt-2 text-sm">
        {admins.map((a) => (
          <li key={a.userId}>
            {a.name} · <a className="text-indigo-700 underline" href={`mailto:${a.email}`}>{a.email}</a> <span className="text-slate-500">({a.role})</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
