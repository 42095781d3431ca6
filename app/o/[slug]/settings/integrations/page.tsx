'use client';
import { useOrg } from '../../../../../components/org-context';
import { SettingsSection } from '../../../../../components/settings/sections';
import { McpServers, NotificationChannels } from '../../../../../components/settings/integrations';

export default function IntegrationSettings() {
  const org = useOrg();
  return (
    <SettingsSection id="integrations">
      <NotificationChannels orgId={org.id} />
      <McpServers orgId={org.id} />
    </SettingsSection>
  );
}
