'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Button, Card, ErrorMessage, Field, Loading } from '@/components/ui/form';
import { usePageTitle } from '@/components/ui/page-header';

export default function MembersPage() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const isAdmin = org.role === 'owner' || org.role === 'admin';
  usePageTitle(['Members', org.name]);
  const members = trpc.member.list.useQuery({ orgId: org.id });
  const invitations = trpc.invitation.list.useQuery({ orgId: org.id }, { enabled: isAdmin });
  const invite = trpc.invitation.create.useMutation({ onSuccess: () => utils.invitation.list.invalidate({ orgId: org.id }) });
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onInvite(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const form = new FormData(e.currentTarget);
    try {
      const res = await invite.mutateAsync({
        orgId: org.id,
        email: String(form.get('email') || ''),
        role: String(form.get('role')) as 'admin' | 'member' | 'viewer',
      });
      setLink(`${window.location.origin}${res.path}`);
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
        <table className="w-full text-left text-sm">
          <thead>
            <tr className="text-slate-500">
              <th className="py-1">Name</th>
              <th>Email</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {members.data?.map((m) => (
              <tr key={m.userId} className="border-t">
                <td className="py-2">{m.name}</td>
                <td>{m.email}</td>
                <td>{m.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {isAdmin && (
        <Card title="Invitations">
          <form onSubmit={onInvite} className="flex flex-wrap items-end gap-3">
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
              Create invitation link
            </Button>
          </form>
          <ErrorMessage>{error}</ErrorMessage>
          {link && (
            <p className="mt-3 text-sm">
              Share this link (shown once): <code aria-label="Invitation link" className="break-all rounded bg-slate-100 px-1">{link}</code>
            </p>
          )}
          <ul className="mt-4 text-sm text-slate-600">
            {invitations.data?.map((i) => (
              <li key={i.id}>
                {i.email ?? 'anyone with the link'} — {i.role} — {i.accepted_at ? 'accepted' : `expires ${new Date(i.expires_at).toLocaleDateString()}`}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}
