import { sql } from 'kysely';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

export const CHAT_MAX_CHARS = 4000;

/** Stores a steering message for a run (optionally one task); the agent reads it on its next turn. */
export async function postChatMessage(db: DB, scope: OrgScope, input: { runId: string; taskId?: string; text: string }) {
  requireRole(scope, 'member');
  const run = await db.selectFrom('runs').select(['id', 'status']).where('org_id', '=', scope.orgId).where('id', '=', input.runId).executeTakeFirst();
  if (!run) throw new AppError('NOT_FOUND', 'Run not found');
  if (input.taskId) {
    const task = await db.selectFrom('tasks').select('id').where('org_id', '=', scope.orgId).where('run_id', '=', input.runId).where('id', '=', input.taskId).executeTakeFirst();
    if (!task) throw new AppError('NOT_FOUND', 'Task not found');
  }
  const author = scope.userId
    ? ((await db.selectFrom('users').select('name').where('id', '=', scope.userId).executeTakeFirst())?.name ?? 'someone')
    : 'API token';
  return db
    .insertInto('chat_messages')
    .values({ org_id: scope.orgId, run_id: input.runId, task_id: input.taskId ?? null, author_id: scope.userId, author_name: author, body: input.text.trim() })
    .returning(['id', 'author_name as author', 'body as text', 'created_at as createdAt'])
    .executeTakeFirstOrThrow();
}

export async function listChatMessages(db: DB, scope: OrgScope, input: { runId: string }) {
  return db
    .selectFrom('chat_messages')
    .select(['id', 'task_id as taskId', 'author_name as author', 'body as text', 'created_at as createdAt', 'delivered_at as deliveredAt'])
    .where('org_id', '=', scope.orgId)
    .where('run_id', '=', input.runId)
    .orderBy('created_at')
    .execute();
}

/**
 * Worker side: claims the undelivered messages for a task (and run-wide ones), marking them
 * delivered in the same statement so two workers never inject the same message.
 */
export async function takeChatMessagesForTask(db: DB, input: { runId: string; taskId: string }): Promise<Array<{ author: string; text: string }>> {
  const rows = await db
    .updateTable('chat_messages')
    .set({ delivered_at: sql`now()` })
    .where('run_id', '=', input.runId)
    .where('delivered_at', 'is', null)
    .where((eb) => eb.or([eb('task_id', '=', input.taskId), eb('task_id', 'is', null)]))
    .returning(['author_name as author', 'body as text', 'created_at'])
    .execute();
  return rows.sort((a, b) => +new Date(a.created_at) - +new Date(b.created_at)).map(({ author, text }) => ({ author, text }));
}
