'use client';
import { useOrg } from '../../../../../components/org-context';
import { SettingsSection } from '../../../../../components/settings/sections';
import { PackageRegistries } from '../../../../../components/settings/registries';

export default function RegistrySettings() {
  const org = useOrg();
  return (
    <SettingsSection id="registries">
      <PackageRegistries orgId={org.id} />
    </SettingsSection>
  );
}
