import { orgProcedure, router } from '../trpc';
import { dashboardStats } from '../../services/dashboard';

export const dashboardRouter = router({
  stats: orgProcedure.query(({ ctx }) => dashboardStats(ctx.db, ctx.scope)),
});
