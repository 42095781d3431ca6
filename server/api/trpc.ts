import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import type { Context } from './context';
import { rootCause, toWireError } from '../errors/wire';
import { findMalformedText, MALFORMED_TEXT_MESSAGE } from './schemas';
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
    // The last word on what reaches the wire: an internal fault (anything the middleware below did
    // not map, including errors from context creation) is reported without its text.
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? error.cause : null;
      const message = zod ? zodMessage(zod) : error.code === 'INTERNAL_SERVER_ERROR' ? toWireError(rootCause(error)).message : shape.message;
      return {
        ...shape,
        message,
        data: { ...shape.data, zod: zod ? zod.flatten() : null, stack: undefined },
      };
    },
  });

/** Services raise AppError (and Postgres refuses some bad input): mapped to tRPC codes by server/errors/wire.ts. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof ZodError)) {
    const cause = rootCause(result.error.cause);
    if (cause && cause !== result.error) {
      const wire = toWireError(cause);
      if (!wire.internal) throw new TRPCError({ code: wire.code, message: wire.message, cause: result.error.cause });
    }
  }
  return result;
});

/** Every string anywhere in any input, whatever schema the procedure declares, is well-formed text. */
const wellFormedText = t.middleware(async ({ getRawInput, next }) => {
  const at = findMalformedText(await getRawInput());
  if (at) throw new TRPCError({ code: 'BAD_REQUEST', message: `${at}: ${MALFORMED_TEXT_MESSAGE}` });
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(appErrors).use(wellFormedText);

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
