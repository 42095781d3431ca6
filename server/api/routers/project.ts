import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { ZBranch, ZProjectName, ZRepository } from '../schemas';
import { createProject, deleteProject, getProject, listProjects, updateProject } from '../../services/projects';

export const projectRouter = router({
  list: orgProcedure.query(({ ctx }) => listProjects(ctx.db, ctx.scope)),
  get: orgProcedure.input(z.object({ projectId: ZId })).query(({ ctx, input }) => getProject(ctx.db, ctx.scope, input.projectId)),
  create: orgProcedure
    .input(z.object({ name: ZProjectName, repository: ZRepository, defaultBranch: ZBranch.optional() }))
    .mutation(({ ctx, input }) => createProject(ctx.db, ctx.scope, input)),
  update: orgProcedure
    .input(
      z.object({
        projectId: ZId,
        name: ZProjectName.optional(),
        repository: ZRepository.optional(),
        defaultBranch: ZBranch.optional(),
        /** How QA's web tester starts the app inside the sandbox, and where it answers there. */
        webTest: z
          .object({ startCommand: z.string().trim().min(1).max(500), url: z.string().url().refine((u) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(u), 'must be http://127.0.0.1:PORT/… (the app runs inside the sandbox)') })
          .nullable()
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateProject(ctx.db, ctx.scope, input)),
  delete: orgProcedure.input(z.object({ projectId: ZId })).mutation(({ ctx, input }) => deleteProject(ctx.db, ctx.scope, input)),
});
