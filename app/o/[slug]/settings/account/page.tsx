'use client';
import { SettingsSection } from '../../../../../components/settings/sections';
import { AccountSettings } from '../../../../../components/settings/account';

export default function AccountSettingsPage() {
  return (
    <SettingsSection id="account">
      <AccountSettings />
    </SettingsSection>
  );
}
