import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import type { Context } from './context';
import { AppError } from '../errors/app-error';
import { resolveMembership } from '../services/orgs';
import type { OrgScope } from '../services/scope';

/**
 * How a procedure is scoped, read by the tenant-isolation test which enumerates the router:
 * `org` procedures take an `orgId` and pass the org-scope middleware; `user` ones act on the
 * caller's own account; `public` ones need no session.
 */
export type ProcedureMeta = { scope: 'org' | 'user' | 'public' };

function zodMessage(err: ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? error.cause : null;
      return {
        ...shape,
        message: zod ? zodMessage(zod) : shape.message,
        data: { ...shape.data, zod: zod ? zod.flatten() : null, stack: undefined },
      };
    },
  });

/** Services raise AppError; this turns it into the matching tRPC error in one place. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) throw new TRPCError({ code: cause.code, message: cause.userMessage, cause });
    const pgCode = (cause as { code?: string } | undefined)?.code;
    // Postgres rejects a malformed uuid with 22P02: that is bad input, not a server fault.
    if (pgCode === '22P02') throw new TRPCError({ code: 'BAD_REQUEST', message: 'Malformed identifier', cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(appErrors);

export const publicProcedure = base.meta({ scope: 'public' });

export const userProcedure = base.meta({ scope: 'user' }).use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, userId: ctx.userId } });
});

export const ZId = z.string().uuid('must be an id (uuid)');
export const ZOrgInput = z.object({ orgId: ZId });

/** Every tenant-scoped procedure: the caller must belong to `input.orgId` (or hold its API token). */
export const orgProcedure = base
  .meta({ scope: 'org' })
  .input(ZOrgInput)
  .use(async ({ ctx, input, next }) => {
    let scope: OrgScope;
    if (ctx.apiToken) {
      if (ctx.apiToken.orgId !== input.orgId) throw new TRPCError({ code: 'FORBIDDEN', message: 'This token belongs to another organization' });
      scope = { orgId: input.orgId, userId: null, role: 'member' };
    } else if (ctx.userId) {
      scope = { orgId: input.orgId, userId: ctx.userId, role: await resolveMembership(ctx.db, input.orgId, ctx.userId) };
    } else {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    }
    return next({ ctx: { ...ctx, scope } });
  });
