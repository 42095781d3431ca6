import { orgProcedure, router } from '../trpc';
import { disconnectModelProvider, getModelProviders, saveModelProvider, testModelProvider } from '../../services/model-providers';
import { ZDisconnectProviderInput, ZProviderInput } from './models.types';

/**
 * Settings → Models: the organisation's provider connections (keys write-only, base URLs shown),
 * "Test connection" (the provider's model list, through the outbound policy) and disconnecting.
 * Reading is open to members; every write and every test needs the admin role (a test uses the
 * saved key).
 */
export const modelsRouter = router({
  providers: orgProcedure.query(({ ctx }) => getModelProviders(ctx.db, ctx.scope)),
  saveProvider: orgProcedure.input(ZProviderInput).mutation(({ ctx, input }) => saveModelProvider(ctx.db, ctx.scope, input)),
  testProvider: orgProcedure.input(ZProviderInput).mutation(({ ctx, input }) => testModelProvider(ctx.db, ctx.scope, input)),
  disconnectProvider: orgProcedure.input(ZDisconnectProviderInput).mutation(({ ctx, input }) => disconnectModelProvider(ctx.db, ctx.scope, input)),
});
