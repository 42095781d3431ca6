import { describe, expect, it } from 'vitest';
import { accessChange } from '../../components/realtime/org-access';

/**
 * What an organisation's page does with the server's `access` event (the connection was
 * re-authorised): the layout replaces the page when the organisation is gone, and reads every
 * query again when the role there changed. The server side (who gets the event, with what) is
 * test/foundation/realtime-access.test.ts; the browser's reaction is e2e/team-admin.spec.ts.
 */
describe('accessChange', () => {
  const page = { orgId: 'org-a', role: 'member' };

  it('is revoked when the organisation is no longer among those the connection hears', () => {
    expect(accessChange(page, { orgIds: ['org-b'], roles: { 'org-b': 'owner' } })).toEqual({ kind: 'revoked' });
    expect(accessChange(page, { orgIds: [], roles: {} })).toEqual({ kind: 'revoked' });
  });

  it('is a role change when the organisation stays with another role', () => {
    expect(accessChange(page, { orgIds: ['org-a', 'org-b'], roles: { 'org-a': 'viewer', 'org-b': 'owner' } })).toEqual({ kind: 'role', role: 'viewer' });
  });

  it('is unchanged when only another organisation changed', () => {
    expect(accessChange(page, { orgIds: ['org-a'], roles: { 'org-a': 'member' } })).toEqual({ kind: 'unchanged' });
    expect(accessChange(page, { orgIds: ['org-a', 'org-c'], roles: { 'org-a': 'member', 'org-c': 'viewer' } })).toEqual({ kind: 'unchanged' });
  });

  it('treats a malformed event as no access rather than trusting it', () => {
    expect(accessChange(page, { orgIds: undefined as unknown as string[], roles: {} })).toEqual({ kind: 'revoked' });
    expect(accessChange(page, { orgIds: ['org-a'], roles: undefined as unknown as Record<string, string> })).toEqual({ kind: 'unchanged' });
  });
});
