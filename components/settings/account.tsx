'use client';
import { useState, type FormEvent } from 'react';
import { signIn, useSession } from 'next-auth/react';
import { trpc } from '../trpc';
import { Button, Card, ErrorMessage, Field, SavedMessage } from '../ui/form';

/** The signed-in person's own settings: their password, and — for the instance's owner — open sign-up. */
export function AccountSettings() {
  const session = useSession();
  const instance = trpc.instance.settings.useQuery();
  const utils = trpc.useUtils();
  const update = trpc.instance.update.useMutation({ onSuccess: () => utils.instance.settings.invalidate() });
  const change = trpc.auth.changePassword.useMutation();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [instanceError, setInstanceError] = useState<string | null>(null);

  async function onPassword(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    const newPassword = String(form.get('newPassword'));
    try {
      await change.mutateAsync({ currentPassword: String(form.get('currentPassword')), newPassword });
    } catch (err) {
      return setError((err as Error).message);
    }
    el.reset();
    // Every session of the account ended, this one too: sign in again with the new password.
    const email = session.data?.user?.email;
    const res = email ? await signIn('credentials', { email, password: newPassword, redirect: false }) : null;
    setSaved(res && !res.error ? 'Password changed. Your other sessions were signed out.' : 'Password changed. Sign in again.');
  }

  return (
    <>
      <Card title="Your password">
        <p className="mb-3 text-sm text-slate-600">Changing it signs you out everywhere else.</p>
        <form onSubmit={onPassword} className="flex flex-wrap items-end gap-3">
          <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required />
          <Field label="New password" name="newPassword" type="password" autoComplete="new-password" hint="At least 8 characters." required />
          <Button type="submit" disabled={change.isPending}>
            Change password
          </Button>
        </form>
        <ErrorMessage>{error}</ErrorMessage>
        <SavedMessage>{saved}</SavedMessage>
      </Card>
      {instance.data?.canManage && (
        <Card title="This server">
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={instance.data.openSignUp}
              disabled={update.isPending}
              onChange={async (e) => {
                setInstanceError(null);
                try {
                  await update.mutateAsync({ openSignUp: e.currentTarget.checked });
                } catch (err) {
                  setInstanceError((err as Error).message);
                }
              }}
            />
            Anyone can create an account (off: invitation links only)
          </label>
          <ErrorMessage>{instanceError}</ErrorMessage>
        </Card>
      )}
    </>
  );
}
