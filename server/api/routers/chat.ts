import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import { CHAT_MAX_CHARS, listChatMessages, postChatMessage } from '../../services/chat';

export const ZChatText = z.string().trim().min(1, 'is required').max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`);

export const chatRouter = router({
  /** Mid-run steering: the message is injected into the agent's next turn. */
  send: orgProcedure
    .input(z.object({ runId: ZId, taskId: ZId.optional(), text: ZChatText }))
    .mutation(({ ctx, input }) => postChatMessage(ctx.db, ctx.scope, input)),
  list: orgProcedure.input(z.object({ runId: ZId })).query(({ ctx, input }) => listChatMessages(ctx.db, ctx.scope, input)),
});
