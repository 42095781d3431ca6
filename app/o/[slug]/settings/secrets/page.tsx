'use client';
import { useOrg } from '../../../../../components/org-context';
import { SettingsSection } from '../../../../../components/settings/sections';
import { Secrets } from '../../../../../components/settings/secrets';

export default function SecretSettings() {
  const org = useOrg();
  return (
    <SettingsSection id="secrets">
      <Secrets orgId={org.id} />
    </SettingsSection>
  );
}
