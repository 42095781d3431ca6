'use client';
import { useOrg } from '../../../../../components/org-context';
import { isAdmin, SettingsSection } from '../../../../../components/settings/sections';
import { ModelChoice, ModelProviders } from '../../../../../components/settings/models';

export default function ModelSettings() {
  const org = useOrg();
  const canEdit = isAdmin(org);
  return (
    <SettingsSection id="models">
      <ModelProviders orgId={org.id} canEdit={canEdit} />
      <ModelChoice orgId={org.id} canEdit={canEdit} />
    </SettingsSection>
  );
}
