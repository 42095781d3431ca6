'use client';
import { useOrg } from '../../../../../components/org-context';
import { SettingsSection } from '../../../../../components/settings/sections';
import { ApiTokens } from '../../../../../components/settings/tokens';

export default function TokenSettings() {
  const org = useOrg();
  return (
    <SettingsSection id="tokens">
      <ApiTokens orgId={org.id} />
    </SettingsSection>
  );
}
