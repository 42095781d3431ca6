import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { ZBranch, ZProjectName, ZRepository } from '../schemas';
import { deleteProject, getProject, listProjects } from '../../services/projects';
import { checkRepository, createCheckedProject, projectHealth, updateCheckedProject } from '../../services/project-checks';
import { dataDir } from '../../config';

export const projectRouter = router({
  list: orgProcedure.query(({ ctx }) => listProjects(ctx.db, ctx.scope)),
  get: orgProcedure.input(z.object({ projectId: ZId })).query(({ ctx, input }) => getProject(ctx.db, ctx.scope, input.projectId)),
  /** Checked first (policy, reachable, default branch detected when none is named). */
  create: orgProcedure
    .input(z.object({ name: ZProjectName, repository: ZRepository, defaultBranch: ZBranch.optional() }))
    .mutation(({ ctx, input }) => createCheckedProject(ctx.db, ctx.scope, input)),
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
    .mutation(({ ctx, input }) => updateCheckedProject(ctx.db, ctx.scope, input)),
  /** The repository as typed: the local-path policy, reachable, its default branch (a mutation: it is never cached). */
  checkRepository: orgProcedure
    .input(z.object({ repository: ZRepository, defaultBranch: ZBranch.optional() }))
    .mutation(({ ctx, input }) => checkRepository(ctx.db, ctx.scope, input)),
  /** Reachable now, the default branch, the last fetch on this server. */
  health: orgProcedure.input(z.object({ projectId: ZId })).query(({ ctx, input }) => projectHealth(ctx.db, ctx.scope, { projectId: input.projectId, dataDir: dataDir() })),
  delete: orgProcedure.input(z.object({ projectId: ZId })).mutation(({ ctx, input }) => deleteProject(ctx.db, ctx.scope, input)),
});
