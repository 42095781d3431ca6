import { z } from 'zod';
import { publicProcedure, router, userProcedure } from '../trpc';
import { ZEmail, ZName, ZPassword, ZToken } from '../schemas';
import { changePassword, getUser, signUp } from '../../services/users';
import { listOrganizationsForUser } from '../../services/orgs';

export const authRouter = router({
  /** Answers `{ email }` whether or not the email already had an account (no enumeration). */
  signUp: publicProcedure
    .input(z.object({ name: ZName, email: ZEmail, password: ZPassword, invitationToken: ZToken.optional() }))
    .mutation(({ ctx, input }) => signUp(ctx.db, input, ctx.ip)),
  me: userProcedure.query(async ({ ctx }) => {
    const user = await getUser(ctx.db, ctx.userId);
    return user ? { ...user, organizations: await listOrganizationsForUser(ctx.db, ctx.userId) } : null;
  }),
  /** Revokes every session of the account, this one included: sign in again with the new password. */
  changePassword: userProcedure
    .input(z.object({ currentPassword: ZPassword, newPassword: ZPassword }))
    .mutation(({ ctx, input }) => changePassword(ctx.db, ctx.userId, input, ctx.ip)),
});
