import { orgProcedure, router } from '../trpc';
import { dataDir } from '../../config';
import { projectEnvironmentView, requestEnvSetup } from '../../services/env-setups';
import { getOrgRegistries, setProjectEnvSettings, setOrgRegistries } from '../../services/env-settings';
import { ZProjectEnvInput, ZSetProjectEnvInput, ZSetRegistriesInput } from './environment.types';

/**
 * A project's dependency environment (issue 21): the project page's Environment card, its setup
 * settings and "Set up now"; the organisation's registries in Settings. Each procedure is one
 * service call; the services check roles and tenancy.
 */
export const environmentRouter = router({
  project: orgProcedure.input(ZProjectEnvInput).query(({ ctx, input }) => projectEnvironmentView(ctx.db, ctx.scope, input.projectId, { dataDir: dataDir() })),
  setProjectSettings: orgProcedure.input(ZSetProjectEnvInput).mutation(({ ctx, input }) => setProjectEnvSettings(ctx.db, ctx.scope, input)),
  setUpNow: orgProcedure.input(ZProjectEnvInput).mutation(({ ctx, input }) => requestEnvSetup(ctx.db, ctx.boss ?? null, ctx.scope, input.projectId)),
  registries: orgProcedure.query(({ ctx }) => getOrgRegistries(ctx.db, ctx.scope)),
  setRegistries: orgProcedure.input(ZSetRegistriesInput).mutation(({ ctx, input }) => setOrgRegistries(ctx.db, ctx.scope, input)),
});
