import { router } from './trpc';
import { authRouter } from './routers/auth';
import { orgRouter } from './routers/org';
import { invitationRouter, memberRouter } from './routers/member';
import { projectRouter } from './routers/project';
import { apiTokenRouter, secretRouter } from './routers/settings';

/** Composes the routers; procedures live in routers/. */
export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  member: memberRouter,
  invitation: invitationRouter,
  project: projectRouter,
  secret: secretRouter,
  apiToken: apiTokenRouter,
});

export type AppRouter = typeof appRouter;
