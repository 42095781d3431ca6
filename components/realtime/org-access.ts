/**
 * What an `access` event (server/realtime/io.ts: the connection was re-authorised after a
 * membership or role change) means for a page of one organisation: the person is no longer a
 * member, their role there changed, or nothing that page shows changed.
 */
export type AccessChange = { kind: 'unchanged' } | { kind: 'revoked' } | { kind: 'role'; role: string };

export function accessChange(page: { orgId: string; role: string }, access: { orgIds: string[]; roles: Record<string, string> }): AccessChange {
  if (!Array.isArray(access?.orgIds) || !access.orgIds.includes(page.orgId)) return { kind: 'revoked' };
  const role = access.roles?.[page.orgId];
  if (typeof role === 'string' && role !== page.role) return { kind: 'role', role };
  return { kind: 'unchanged' };
}
