import { z } from 'zod';
import { orgProcedure, publicProcedure, router, userProcedure, ZId } from '../trpc';
import { ZEmail, ZInviteRole, ZRole, ZToken } from '../schemas';
import {
  acceptInvitation,
  changeMemberRole,
  createInvitationWithMail,
  listInvitations,
  listMembers,
  previewInvitation,
  removeMember,
  revokeInvitation,
} from '../../services/members';
import { smtpConfig } from '../../notify/email';
import { httpPort, publicUrl } from '../../config';

export const memberRouter = router({
  list: orgProcedure.query(({ ctx }) => listMembers(ctx.db, ctx.scope)),
  changeRole: orgProcedure
    .input(z.object({ userId: ZId, role: ZRole }))
    .mutation(({ ctx, input }) => changeMemberRole(ctx.db, ctx.scope, input)),
  remove: orgProcedure.input(z.object({ userId: ZId })).mutation(({ ctx, input }) => removeMember(ctx.db, ctx.scope, input)),
});

export const invitationRouter = router({
  /** The link is returned once; with an e-mail address and SMTP configured, it is also mailed there. */
  create: orgProcedure
    .input(z.object({ email: ZEmail.optional().or(z.literal('')), role: ZInviteRole }))
    .mutation(({ ctx, input }) =>
      createInvitationWithMail(ctx.db, ctx.scope, { email: input.email || undefined, role: input.role }, { smtp: smtpConfig(), publicUrl: publicUrl(httpPort()) }),
    ),
  /** Whether invitations are e-mailed (the server has SMTP) — so the form can say so. */
  mailEnabled: orgProcedure.query(() => ({ enabled: smtpConfig() !== null })),
  list: orgProcedure.query(({ ctx }) => listInvitations(ctx.db, ctx.scope)),
  revoke: orgProcedure
    .input(z.object({ invitationId: ZId }))
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, ctx.scope, input)),
  preview: publicProcedure.input(z.object({ token: ZToken })).query(({ ctx, input }) => previewInvitation(ctx.db, input.token)),
  accept: userProcedure
    .input(z.object({ token: ZToken }))
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, { token: input.token, userId: ctx.userId })),
});
