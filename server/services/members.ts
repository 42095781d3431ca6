import type { DB } from '../db/client';
import type { Role } from '../db/schema';
import { AppError } from '../errors/app-error';
import { hashToken, randomToken } from '../auth/crypto';
import { requireRole } from './orgs';
import { checkSeatAvailable, getPlanLimits, noSeatMessage } from '../billing/limits';
import type { Env } from '../billing/config';
import type { OrgScope } from './scope';
import { invitationMail, sendMail, type SmtpConfig } from '../notify/email';

export const INVITATION_TTL_DAYS = 7;

export async function listMembers(db: DB, scope: OrgScope) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as userId', 'users.name', 'users.email', 'memberships.role', 'memberships.created_at as joinedAt'])
    .where('memberships.org_id', '=', scope.orgId)
    .orderBy('users.name')
    .execute();
}

/**
 * Only an owner grants or revokes owner; an organisation always keeps at least one owner. The
 * org's owner rows are locked first, so two owners demoting each other at the same moment cannot
 * both succeed (the second sees the first's change).
 */
export async function changeMemberRole(db: DB, scope: OrgScope, input: { userId: string; role: Role }) {
  requireRole(scope, 'admin');
  if (input.role === 'owner') requireRole(scope, 'owner');
  return db.transaction().execute(async (trx) => {
    const owners = await lockOwners(trx, scope.orgId);
    const actor = { ...scope, role: await actingRole(trx, scope) };
    const target = await trx
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', scope.orgId)
      .where('user_id', '=', input.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw new AppError('NOT_FOUND', 'Member not found');
    requireRole(actor, target.role === 'owner' || input.role === 'owner' ? 'owner' : 'admin');
    if (target.role === 'owner' && input.role !== 'owner' && !owners.some((o) => o !== input.userId)) throw lastOwner();
    await trx.updateTable('memberships').set({ role: input.role }).where('org_id', '=', scope.orgId).where('user_id', '=', input.userId).execute();
    return { userId: input.userId, role: input.role };
  });
}

/** Locks the organisation's owner memberships (in a stable order) and returns their user ids. */
async function lockOwners(trx: DB, orgId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .orderBy('user_id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.user_id);
}

/** The actor's role as it stands now, inside the transaction (it may have changed since the request began). */
async function actingRole(trx: DB, scope: OrgScope): Promise<Role> {
  if (!scope.userId) return scope.role;
  const row = await trx.selectFrom('memberships').select('role').where('org_id', '=', scope.orgId).where('user_id', '=', scope.userId).executeTakeFirst();
  if (!row) throw new AppError('FORBIDDEN', 'You are no longer a member of this organization');
  return row.role;
}

const lastOwner = () => new AppError('BAD_REQUEST', 'An organization needs at least one owner: make someone else an owner first');

export async function removeMember(db: DB, scope: OrgScope, input: { userId: string }) {
  if (input.userId !== scope.userId) requireRole(scope, 'admin');
  return db.transaction().execute(async (trx) => {
    const owners = await lockOwners(trx, scope.orgId);
    const actor = { ...scope, role: await actingRole(trx, scope) };
    const target = await trx
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', scope.orgId)
      .where('user_id', '=', input.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw new AppError('NOT_FOUND', 'Member not found');
    if (input.userId !== scope.userId) requireRole(actor, 'admin');
    if (target.role === 'owner') {
      requireRole(actor, 'owner');
      if (!owners.some((o) => o !== input.userId)) throw lastOwner();
    }
    await trx.deleteFrom('memberships').where('org_id', '=', scope.orgId).where('user_id', '=', input.userId).execute();
    return { removed: true };
  });
}

export async function createInvitation(db: DB, scope: OrgScope, input: { email?: string; role: Exclude<Role, 'owner'> }, env: Env = process.env) {
  requireRole(scope, 'admin');
  if (!scope.userId) throw new AppError('FORBIDDEN', 'Invitations are created by a signed-in member');
  await requireSeat(db, scope.orgId, env, {});
  const token = randomToken('nsi');
  const row = await db
    .insertInto('invitations')
    .values({
      org_id: scope.orgId,
      email: input.email?.trim().toLowerCase() || null,
      role: input.role,
      token_hash: hashToken(token),
      invited_by: scope.userId,
      expires_at: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000),
    })
    .returning(['id', 'email', 'role', 'expires_at'])
    .executeTakeFirstOrThrow();
  // The token is only ever returned here: the link is shown once and stored hashed.
  return { ...row, token, path: `/invite/${token}` };
}

/**
 * Creates an invitation and, when it names an e-mail address and the server has SMTP configured,
 * sends the link there. The link is returned either way (shown once); `emailed` says what happened
 * to the mail: null when none was sent (no address, or no SMTP), else its outcome.
 */
export async function createInvitationWithMail(
  db: DB,
  scope: OrgScope,
  input: { email?: string; role: Exclude<Role, 'owner'> },
  mail: { smtp: SmtpConfig | null; publicUrl: string },
) {
  const invitation = await createInvitation(db, scope, input);
  if (!invitation.email || !mail.smtp) return { ...invitation, emailed: null };
  const [org, inviter] = await Promise.all([
    db.selectFrom('organizations').select('name').where('id', '=', scope.orgId).executeTakeFirstOrThrow(),
    scope.userId ? db.selectFrom('users').select('name').where('id', '=', scope.userId).executeTakeFirst() : undefined,
  ]);
  const message = invitationMail({
    to: invitation.email,
    orgName: org.name,
    inviterName: inviter?.name ?? null,
    role: invitation.role,
    link: `${mail.publicUrl.replace(/\/+$/, '')}${invitation.path}`,
    expiresAt: new Date(invitation.expires_at),
  });
  const sent = await sendMail(mail.smtp, message);
  return { ...invitation, emailed: sent.ok ? { ok: true as const, to: invitation.email } : { ok: false as const, to: invitation.email, error: sent.error } };
}

export async function listInvitations(db: DB, scope: OrgScope) {
  requireRole(scope, 'admin');
  return db
    .selectFrom('invitations')
    .select(['id', 'email', 'role', 'created_at', 'expires_at', 'accepted_at'])
    .where('org_id', '=', scope.orgId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeInvitation(db: DB, scope: OrgScope, input: { invitationId: string }) {
  requireRole(scope, 'admin');
  const res = await db
    .deleteFrom('invitations')
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.invitationId)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', 'Invitation not found');
  return { revoked: true };
}

/** What an invitation link shows before it is accepted (no secrets, no member list). */
export async function previewInvitation(db: DB, token: string) {
  const inv = await db
    .selectFrom('invitations')
    .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
    .select(['organizations.name as orgName', 'invitations.role', 'invitations.expires_at', 'invitations.accepted_at'])
    .where('invitations.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!inv || inv.accepted_at || new Date(inv.expires_at) < new Date()) {
    throw new AppError('NOT_FOUND', 'This invitation link is invalid or has expired');
  }
  return { orgName: inv.orgName, role: inv.role };
}

export async function acceptInvitation(db: DB, input: { token: string; userId: string }, env: Env = process.env) {
  return db.transaction().execute(async (trx) => {
    const inv = await trx
      .selectFrom('invitations')
      .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
      .select(['invitations.id', 'invitations.org_id', 'invitations.role', 'invitations.email', 'invitations.expires_at', 'invitations.accepted_at', 'organizations.slug'])
      .where('invitations.token_hash', '=', hashToken(input.token))
      .forUpdate()
      .executeTakeFirst();
    if (!inv || inv.accepted_at || new Date(inv.expires_at) < new Date()) {
      throw new AppError('NOT_FOUND', 'This invitation link is invalid or has expired');
    }
    if (inv.email) {
      const user = await trx.selectFrom('users').select('email').where('id', '=', input.userId).executeTakeFirstOrThrow();
      if (user.email !== inv.email) throw new AppError('FORBIDDEN', 'This invitation was sent to another email address');
    }
    const already = await trx.selectFrom('memberships').select('user_id').where('org_id', '=', inv.org_id).where('user_id', '=', input.userId).executeTakeFirst();
    // The invitation held a seat; a plan downgraded since it was sent may have none left.
    if (!already) await requireSeat(trx, inv.org_id, env, { forAcceptance: true });
    await trx
      .insertInto('memberships')
      .values({ org_id: inv.org_id, user_id: input.userId, role: inv.role })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
      .execute();
    await trx.updateTable('invitations').set({ accepted_at: new Date(), accepted_by: input.userId }).where('id', '=', inv.id).execute();
    return { orgId: inv.org_id, slug: inv.slug };
  });
}

/** Refuses when the organisation's plan has no seat left (billing on only; self-hosted is unlimited). */
async function requireSeat(db: DB, orgId: string, env: Env, opts: { forAcceptance?: boolean }) {
  const planLimits = await getPlanLimits(db, orgId, env);
  if (!planLimits.enforced) return;
  const seats = await checkSeatAvailable(db, orgId, env, { ...opts, planLimits });
  if (!seats.allowed) throw new AppError('FORBIDDEN', noSeatMessage(seats, planLimits.plan));
}
