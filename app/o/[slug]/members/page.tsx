'use client';
import { useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { useSession } from 'next-auth/react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Card, ConfirmButton, CopyButton, ErrorMessage, Field, Loading, SavedMessage, useActionStatus } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

type Role = 'owner' | 'admin' | 'member' | 'viewer';
const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including owners and billing',
  admin: 'settings, members and invitations',
  member: 'projects, specs and runs',
  viewer: 'reads only',
};

export default function MembersPage() {
  const org = useOrg();
  usePageTitle(['Members', org.name]);
  const router = useRouter();
  const session = useSession();
  const utils = trpc.useUtils();
  const isAdmin = org.role === 'owner' || org.role === 'admin';
  const isOwner = org.role === 'owner';
  const me = session.data?.user?.email?.toLowerCase() ?? null;
  const members = trpc.member.list.useQuery({ orgId: org.id });
  const invitations = trpc.invitation.list.useQuery({ orgId: org.id }, { enabled: isAdmin });
  const mail = trpc.invitation.mailEnabled.useQuery({ orgId: org.id }, { enabled: isAdmin });
  const refreshMembers = () => Promise.all([utils.member.list.invalidate({ orgId: org.id }), utils.org.bySlug.invalidate({ slug: org.slug })]);
  const invite = trpc.invitation.create.useMutation({ onSuccess: () => utils.invitation.list.invalidate({ orgId: org.id }) });
  const revoke = trpc.invitation.revoke.useMutation({ onSuccess: () => utils.invitation.list.invalidate({ orgId: org.id }) });
  const changeRole = trpc.member.changeRole.useMutation({ onSuccess: refreshMembers });
  const remove = trpc.member.remove.useMutation({ onSuccess: refreshMembers });
  const [created, setCreated] = useState<{ link: string; email: string | null; emailed: { ok: true; to: string } | { ok: false; to: string; error: string } | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { error: peopleError, status, act } = useActionStatus();

  async function onInvite(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setCreated(null);
    const el = e.currentTarget;
    const form = new FormData(el);
    try {
      const res = await invite.mutateAsync({ orgId: org.id, email: String(form.get('email') || ''), role: String(form.get('role')) as 'admin' | 'member' | 'viewer' });
      setCreated({ link: `${window.location.origin}${res.path}`, email: res.email, emailed: res.emailed });
      el.reset();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Members</h1>
      <Card title="People">
        {members.isLoading && <Loading />}
        {members.error && <ErrorMessage>{members.error.message}</ErrorMessage>}
        <ul aria-label="People" className="divide-y text-sm">
          {members.data?.map((m) => {
            const self = me !== null && m.email.toLowerCase() === me;
            // Only an owner changes or removes an owner, or makes someone one (the server enforces it too).
            const canManage = isAdmin && (isOwner || m.role !== 'owner');
            return (
              <li key={m.userId} aria-label={m.name} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div className="min-w-0 break-words">
                  <strong>{m.name}</strong>
                  {self && <span className="text-slate-500"> (you)</span>}
                  <br />
                  <span className="text-slate-600">{m.email}</span>
                </div>
                <div className="flex flex-wrap items-center gap-2">
                  {canManage ? (
                    <label className="flex items-center gap-2">
                      <span className="sr-only">Role of {m.name}</span>
                      <select
                        value={m.role}
                        disabled={changeRole.isPending}
                        onChange={(e) => void act(changeRole.mutateAsync({ orgId: org.id, userId: m.userId, role: e.target.value as Role }), `${m.name} is now ${e.target.value}.`)}
                        className="rounded-md border border-slate-300 bg-white px-2 py-2"
                      >
                        {ROLES.filter((r) => isOwner || r !== 'owner').map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : (
                    <span className="rounded bg-slate-100 px-2 py-1" title={ROLE_HELP[m.role as Role]}>
                      {m.role}
                    </span>
                  )}
                  {(self || canManage) && (
                    <ConfirmButton
                      label={self ? 'Leave' : 'Remove'}
                      accessibleName={self ? 'Leave this organization' : `Remove ${m.name}`}
                      confirmLabel={self ? `Leave ${org.name}` : `Remove ${m.name}`}
                      disabled={remove.isPending}
                      onConfirm={async () => {
                        const ok = await act(remove.mutateAsync({ orgId: org.id, userId: m.userId }), self ? `You left ${org.name}.` : `${m.name} was removed.`);
                        if (self && ok) router.push('/orgs');
                      }}
                    />
                  )}
                </div>
              </li>
            );
          })}
        </ul>
        <ErrorMessage>{peopleError}</ErrorMessage>
        <SavedMessage>{status}</SavedMessage>
        <p className="mt-3 text-xs text-slate-500">
          Roles: {ROLES.map((r) => `${r} — ${ROLE_HELP[r]}`).join('; ')}. An organization always keeps at least one owner.
        </p>
      </Card>
      {isAdmin && (
        <Card title="Invitations">
          <p className="mb-3 text-sm text-slate-600">
            {mail.data?.enabled
              ? 'With an e-mail address, the invitation is e-mailed there; the link is also shown once, to share yourself.'
              : 'This server sends no e-mail (no NIGHTSHIFT_SMTP_URL): share the link yourself. It is shown once.'}{' '}
            Links expire after 7 days and work once.
          </p>
          <form onSubmit={onInvite} className="flex flex-wrap items-end gap-3" aria-label="Invite someone">
            <Field label="Invitee email" name="email" type="email" hint="Optional: leave empty for a link anyone can use once." />
            <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
              Role
              <select name="role" defaultValue="member" className="rounded-md border border-slate-300 bg-white px-2 py-2">
                <option value="member">member</option>
                <option value="admin">admin</option>
                <option value="viewer">viewer</option>
              </select>
            </label>
            <Button type="submit" disabled={invite.isPending}>
              {invite.isPending ? 'Creating…' : 'Create invitation link'}
            </Button>
          </form>
          <ErrorMessage>{error}</ErrorMessage>
          {created && (
            <div className="mt-3 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm">
              {created.emailed?.ok && <p role="status">E-mailed to {created.emailed.to}.</p>}
              {created.emailed && !created.emailed.ok && (
                <p role="alert" className="text-red-800">
                  The e-mail to {created.emailed.to} could not be sent ({created.emailed.error}); share the link instead.
                </p>
              )}
              <p>Share this link (shown once):</p>
              <div className="mt-2 flex flex-wrap items-center gap-2">
                <code id="new-invitation-link" aria-label="Invitation link" className="min-w-0 break-all rounded bg-white px-2 py-1">
                  {created.link}
                </code>
                <CopyButton value={created.link} label="Copy link" targetId="new-invitation-link" />
              </div>
            </div>
          )}
          {invitations.isLoading && <Loading />}
          <ul aria-label="Invitations" className="mt-4 divide-y text-sm">
            {invitations.data?.map((i) => {
              const expired = !i.accepted_at && new Date(i.expires_at) < new Date();
              return (
                <li key={i.id} className="flex flex-wrap items-center justify-between gap-3 py-2">
                  <span className="min-w-0 break-words text-slate-700">
                    {i.email ?? 'anyone with the link'} — {i.role} —{' '}
                    {i.accepted_at ? 'accepted' : expired ? 'expired' : `pending, expires ${new Date(i.expires_at).toLocaleDateString()}`}
                  </span>
                  {!i.accepted_at && (
                    <ConfirmButton
                      label={expired ? 'Delete' : 'Revoke'}
                      accessibleName={`Revoke invitation for ${i.email ?? 'anyone with the link'}`}
                      confirmLabel="Revoke the link"
                      disabled={revoke.isPending}
                      onConfirm={() => revoke.mutateAsync({ orgId: org.id, invitationId: i.id }).then(() => undefined, (err: Error) => setError(err.message))}
                    />
                  )}
                </li>
              );
            })}
          </ul>
        </Card>
      )}
    </div>
  );
}
