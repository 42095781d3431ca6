import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { orgProcedure, router, userProcedure } from '../trpc';
import { ZOrgName, ZText } from '../schemas';
import {
  createOrganization,
  findOrgBySlug,
  getOrganization,
  listOrganizationsForUser,
  resolveMembership,
  updateOrganizationSettings,
} from '../../services/orgs';
import { gettingStarted } from '../../services/getting-started';

export const orgRouter = router({
  create: userProcedure.input(z.object({ name: ZOrgName })).mutation(({ ctx, input }) =>
    createOrganization(ctx.db, { name: input.name, ownerId: ctx.userId }),
  ),
  list: userProcedure.query(({ ctx }) => listOrganizationsForUser(ctx.db, ctx.userId)),
  /** Resolves a URL slug for a member; a non-member gets the same answer as a missing org. */
  bySlug: userProcedure.input(z.object({ slug: ZText.min(1).max(60) })).query(async ({ ctx, input }) => {
    const org = await findOrgBySlug(ctx.db, input.slug);
    if (!org) throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
    const role = await resolveMembership(ctx.db, org.id, ctx.userId).catch(() => null);
    if (!role) throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
    return { ...org, role };
  }),
  get: orgProcedure.query(({ ctx }) => getOrganization(ctx.db, ctx.scope)),
  /** The getting-started checklist: a reachable model, a project, a spec, the team invited — each from real state. */
  gettingStarted: orgProcedure.query(({ ctx }) => gettingStarted(ctx.db, ctx.scope)),
  update: orgProcedure
    .input(z.object({ name: ZOrgName.optional(), specThreshold: z.number().int().min(0).max(100).optional() }))
    .mutation(({ ctx, input }) => updateOrganizationSettings(ctx.db, ctx.scope, input)),
});
