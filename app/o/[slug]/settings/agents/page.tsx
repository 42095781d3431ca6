'use client';
import { useOrg } from '../../../../../components/org-context';
import { isAdmin, SettingsSection } from '../../../../../components/settings/sections';
import { Prompts, Skills } from '../../../../../components/settings/agent-settings';

export default function AgentSettingsPage() {
  const org = useOrg();
  const canEdit = isAdmin(org);
  return (
    <SettingsSection id="agents">
      <Skills orgId={org.id} canEdit={canEdit} />
      <Prompts orgId={org.id} canEdit={canEdit} />
    </SettingsSection>
  );
}
