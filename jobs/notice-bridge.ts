import type PgBoss from 'pg-boss';
import type { DB } from '../server/db/client';
import type { Publisher } from '../server/realtime/publish';
import type { RealtimeEvent } from '../server/realtime/events';
import type { Notice } from '../server/notify/notice';
import { enqueueNotice } from './notify';

function appUrl(): string {
  return (process.env.NEXTAUTH_URL ?? 'http://localhost:3000').replace(/\/$/, '');
}

async function orgSlug(db: DB, orgId: string): Promise<string> {
  return (await db.selectFrom('organizations').select('slug').where('id', '=', orgId).executeTakeFirst())?.slug ?? '';
}

/** The Slack/Discord notice a live event deserves, if any. */
export async function noticeFor(db: DB, orgId: string, event: RealtimeEvent): Promise<Notice | null> {
  const runUrl = async (runId: string) => `${appUrl()}/o/${await orgSlug(db, orgId)}/runs/${runId}`;
  if (event.type === 'run.status' && event.status === 'running') {
    const run = await db
      .selectFrom('runs')
      .innerJoin('specs', 'specs.id', 'runs.spec_id')
      .select(['specs.title'])
      .where('runs.id', '=', event.runId)
      .where('runs.org_id', '=', orgId)
      .executeTakeFirst();
    const tasks = await db.selectFrom('tasks').select(db.fn.countAll<string>().as('n')).where('run_id', '=', event.runId).executeTakeFirst();
    return { kind: 'run.started', runId: event.runId, specTitle: run?.title ?? 'a spec', taskCount: Number(tasks?.n ?? 0), url: await runUrl(event.runId) };
  }
  if (event.type === 'task.status' && (event.status === 'failed' || event.status === 'dead')) {
    const task = await db.selectFrom('tasks').select(['title', 'error']).where('id', '=', event.taskId).where('org_id', '=', orgId).executeTakeFirst();
    return { kind: 'task.failed', runId: event.runId, taskTitle: task?.title ?? event.taskId, reason: event.reason ?? task?.error ?? 'no reason given', url: await runUrl(event.runId) };
  }
  if (event.type === 'pull-request.opened') {
    const pr = await db.selectFrom('pull_requests').select(['body']).where('id', '=', event.pullRequestId).where('org_id', '=', orgId).executeTakeFirst();
    const summary = (pr?.body ?? '').split('\n').filter((l) => l.trim()).slice(0, 3).join('\n');
    return { kind: 'pull-request.opened', runId: event.runId, title: event.title, url: event.url ?? `${appUrl()}/o/${await orgSlug(db, orgId)}/pulls/${event.pullRequestId}`, summary };
  }
  return null;
}

/**
 * Wraps a publisher so that events worth a notice (run started, task failed, pull request opened)
 * also reach the organisation's Slack and Discord channels — only when it has an enabled one.
 */
export function withNotices(publish: Publisher, db: DB, boss: PgBoss, log: (m: string) => void = () => {}): Publisher {
  return async (orgId, event) => {
    const envelope = await publish(orgId, event);
    void (async () => {
      const channel = await db.selectFrom('notification_channels').select('id').where('org_id', '=', orgId).where('enabled', '=', true).limit(1).executeTakeFirst();
      if (!channel) return;
      const notice = await noticeFor(db, orgId, event);
      if (notice) await enqueueNotice(boss, orgId, notice);
    })().catch((err) => log(`notice for ${event.type} not queued: ${(err as Error).message}`));
    return envelope;
  };
}

/** Tells the organisation's channels that a spec was accepted or refused, with its score. */
export async function noticeSpecScored(db: DB, boss: PgBoss | null, orgId: string, spec: { id: string; title: string; score: number; threshold: number; accepted: boolean; projectId: string }): Promise<void> {
  if (!boss) return;
  const channel = await db.selectFrom('notification_channels').select('id').where('org_id', '=', orgId).where('enabled', '=', true).limit(1).executeTakeFirst();
  if (!channel) return;
  const url = `${appUrl()}/o/${await orgSlug(db, orgId)}/projects/${spec.projectId}/specs/${spec.id}`;
  await enqueueNotice(boss, orgId, { kind: 'spec.scored', specTitle: spec.title, score: spec.score, threshold: spec.threshold, accepted: spec.accepted, url });
}
