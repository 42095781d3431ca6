import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { ZName, ZSecretName, ZSecretValue } from '../schemas';
import { deleteSecret, listSecrets, setSecret } from '../../services/secrets';
import { createApiTokenAsMember, listApiTokens, revokeApiToken } from '../../services/api-tokens';

export const secretRouter = router({
  list: orgProcedure.query(({ ctx }) => listSecrets(ctx.db, ctx.scope)),
  /** Write-only: the value goes in, and never comes back out through the API. */
  set: orgProcedure
    .input(z.object({ name: ZSecretName, value: ZSecretValue }))
    .mutation(({ ctx, input }) => setSecret(ctx.db, ctx.scope, input)),
  delete: orgProcedure.input(z.object({ secretId: ZId })).mutation(({ ctx, input }) => deleteSecret(ctx.db, ctx.scope, input)),
});

export const apiTokenRouter = router({
  list: orgProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.scope)),
  create: orgProcedure.input(z.object({ name: ZName })).mutation(({ ctx, input }) => createApiTokenAsMember(ctx.db, ctx.scope, input)),
  revoke: orgProcedure.input(z.object({ tokenId: ZId })).mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.scope, input)),
});
