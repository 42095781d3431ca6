'use client';
import { useOrg } from '@/components/org-context';
import { isAdmin, SettingsSection } from '@/components/settings/sections';
import { OrganizationSettings } from '@/components/settings/organization';
import { Billing } from '@/components/settings/integrations';
import { RecordingRetention } from '@/components/settings/recordings';

export default function GeneralSettings() {
  const org = useOrg();
  return (
    <SettingsSection id="general">
      <OrganizationSettings canEdit={isAdmin(org)} />
      <RecordingRetention orgId={org.id} />
      {isAdmin(org) && <Billing orgId={org.id} />}
    </SettingsSection>
  );
}
