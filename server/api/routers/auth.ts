import { z } from 'zod';
import { publicProcedure, router, userProcedure } from '../trpc';
import { ZEmail, ZName, ZPassword } from '../schemas';
import { createUser, getUser } from '../../services/users';
import { listOrganizationsForUser } from '../../services/orgs';

export const authRouter = router({
  signUp: publicProcedure
    .input(z.object({ name: ZName, email: ZEmail, password: ZPassword }))
    .mutation(async ({ ctx, input }) => {
      const user = await createUser(ctx.db, input);
      return { id: user.id, email: user.email };
    }),
  me: userProcedure.query(async ({ ctx }) => {
    const user = await getUser(ctx.db, ctx.userId);
    return user ? { ...user, organizations: await listOrganizationsForUser(ctx.db, ctx.userId) } : null;
  }),
});
