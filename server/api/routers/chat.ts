import { z } from 'zod';
import { ZText } from '../schemas';
import { orgProcedure, router, ZId } from '../trpc';
import { CHAT_MAX_CHARS, listChatMessages, postChatMessage } from '../../services/chat';
import { getProject } from '../../services/projects';
import { requireRole } from '../../services/orgs';
import { askRepository } from '../../pipeline/ask-repo';
import { dataDir } from '../../config';
import { orgModelName } from '../../services/agent-settings';
import { ZModelName } from './run';

export const ZChatText = ZText.trim().min(1, 'is required').max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`);

export const chatRouter = router({
  /** Mid-run steering: the message is injected into the agent's next turn. */
  send: orgProcedure
    .input(z.object({ runId: ZId, taskId: ZId.optional(), text: ZChatText }))
    .mutation(({ ctx, input }) => postChatMessage(ctx.db, ctx.scope, input)),
  list: orgProcedure.input(z.object({ runId: ZId })).query(({ ctx, input }) => listChatMessages(ctx.db, ctx.scope, input)),
  /** With no run active: the project's assistant answers a question about the repository (read-only), with the organisation's model. */
  ask: orgProcedure
    .input(z.object({ projectId: ZId, question: ZChatText, model: ZModelName.optional() }))
    .mutation(async ({ ctx, input }) => {
      requireRole(ctx.scope, 'member');
      const project = await getProject(ctx.db, ctx.scope, input.projectId);
      return askRepository(ctx.db, { orgId: ctx.scope.orgId, project, question: input.question, model: await orgModelName(ctx.db, ctx.scope.orgId, { explicit: input.model }), dataDir: dataDir() });
    }),
});
