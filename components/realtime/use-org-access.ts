'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { trpc } from '@/components/trpc';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/realtime/events';
import type { OrgInfo } from '@/components/org-context';
import { accessChange, type AccessChange } from './org-access';

/**
 * Keeps an organisation's pages in step with the person's membership while they are open. The
 * server re-authorises every socket of a person whose membership or role changed and tells it
 * (`access`); a reconnect, which may have missed that, asks again. No longer a member: `onRevoked`
 * (the layout then replaces the page, which closes its live feeds). Another role: every query is
 * read again (what the page offers depends on the role) and the new role is returned for a notice.
 */
export function useOrgAccess(org: OrgInfo | null, onRevoked: () => void): string | null {
  const utils = trpc.useUtils();
  const [changedRole, setChangedRole] = useState<string | null>(null);
  const current = useRef(org);
  current.current = org;
  const revoked = useRef(onRevoked);
  revoked.current = onRevoked;
  const orgId = org?.id;

  useEffect(() => {
    if (!orgId) return;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: '/socket.io', transports: ['websocket'] });
    const apply = (change: AccessChange) => {
      if (change.kind === 'revoked') {
        socket.close();
        void utils.org.list.invalidate();
        revoked.current();
      } else if (change.kind === 'role') {
        setChangedRole(change.role);
        void utils.invalidate();
      }
    };
    socket.on('access', (a) => {
      const page = current.current;
      if (page) apply(accessChange({ orgId: page.id, role: page.role }, a));
    });
    let connectedBefore = false;
    socket.on('connect', () => {
      if (!connectedBefore) {
        connectedBefore = true;
        return;
      }
      // A change made while this connection was down sent it nothing.
      const page = current.current;
      if (!page) return;
      utils.org.bySlug.fetch({ slug: page.slug }, { staleTime: 0 }).then(
        (fresh) => apply(fresh.id !== page.id ? { kind: 'revoked' } : fresh.role !== page.role ? { kind: 'role', role: fresh.role } : { kind: 'unchanged' }),
        (err: { data?: { code?: string } }) => {
          if (err?.data?.code === 'NOT_FOUND' || err?.data?.code === 'FORBIDDEN') apply({ kind: 'revoked' });
        },
      );
    });
    return () => {
      socket.close();
    };
  }, [orgId, utils]);

  return changedRole;
}
