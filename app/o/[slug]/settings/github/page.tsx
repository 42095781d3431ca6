'use client';
import { useOrg } from '../../../../../components/org-context';
import { SettingsSection } from '../../../../../components/settings/sections';
import { GitHubConnection } from '../../../../../components/settings/integrations';

export default function GitHubSettings() {
  const org = useOrg();
  return (
    <SettingsSection id="github">
      <GitHubConnection orgId={org.id} />
    </SettingsSection>
  );
}
