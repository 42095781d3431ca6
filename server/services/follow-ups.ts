import type { DB } from '../db/client';
import type { FollowUpRequest } from '../github/webhooks';
import { createRun } from './runs';

export const FOLLOW_UP_TITLE_CHARS = 80;

/**
 * A review comment on a Nightshift pull request becomes a follow-up task: a new run of the same
 * spec, queued (not started) so a person sees its plan preview first. Its file is the one the
 * comment is on, else the files of the task that opened the pull request.
 */
export async function createFollowUpRun(db: DB, request: FollowUpRequest): Promise<{ runId: string } | { skipped: string }> {
  const pr = await db
    .selectFrom('pull_requests')
    .innerJoin('runs', 'runs.id', 'pull_requests.run_id')
    .leftJoin('tasks', 'tasks.id', 'pull_requests.task_id')
    .select(['runs.spec_id as specId', 'runs.model', 'tasks.files', 'pull_requests.title'])
    .where('pull_requests.org_id', '=', request.orgId)
    .where('pull_requests.project_id', '=', request.projectId)
    .where('pull_requests.branch', '=', request.branch)
    .executeTakeFirst();
  if (!pr) return { skipped: `no Nightshift pull request on branch ${request.branch}` };
  const files = request.path ? [request.path] : ((pr.files as string[] | null) ?? []);
  if (!files.length) return { skipped: 'the comment names no file and the task had none' };
  const firstLine = request.body.split('\n')[0].trim();
  const title = `Address review: ${firstLine.length > FOLLOW_UP_TITLE_CHARS ? `${firstLine.slice(0, FOLLOW_UP_TITLE_CHARS)}…` : firstLine}`;
  const where = request.path ? ` on ${request.path}${request.line ? `:${request.line}` : ''}` : '';
  const { run } = await createRun(
    db,
    { orgId: request.orgId, userId: null, role: 'member' },
    {
      specId: pr.specId,
      model: pr.model,
      tasks: [
        {
          id: 'R1',
          title,
          description: `Follow-up of the pull request "${pr.title}" (branch ${request.branch}). ${request.author} wrote${where}:\n\n${request.body}${request.url ? `\n\n${request.url}` : ''}`,
          files,
          dependsOn: [],
        },
      ],
    },
  );
  await db.updateTable('follow_up_requests').set({ status: 'planned' }).where('id', '=', request.id).where('org_id', '=', request.orgId).execute();
  return { runId: run.id };
}
