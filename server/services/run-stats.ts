import { sql } from 'kysely';
import type { DB } from '../db/client';

export type RunStats = { runsStarted: number; runsFailed: number; runsActive: number; pullRequestsOpened: number };

const ZERO: RunStats = { runsStarted: 0, runsFailed: 0, runsActive: 0, pullRequestsOpened: 0 };

/**
 * Run and pull-request counts for an organisation since `since`. The runs tables belong to the
 * pipeline (migration 0002) and may not exist in every deployment stage, so this reads them by
 * convention (`runs(org_id, status, created_at)`, `pull_requests(org_id, created_at)`) and counts
 * zero where a table or column is missing instead of failing a digest or a slash command.
 */
export async function runStats(db: DB, orgId: string, since: Date): Promise<RunStats> {
  const out = { ...ZERO };
  try {
    const runs = await sql<{ started: string; failed: string; active: string }>`
      select count(*) filter (where created_at >= ${since}) as started,
             count(*) filter (where created_at >= ${since} and status = 'failed') as failed,
             count(*) filter (where status in ('queued','planning','running')) as active
      from runs where org_id = ${orgId}`.execute(db);
    const r = runs.rows[0];
    if (r) Object.assign(out, { runsStarted: Number(r.started), runsFailed: Number(r.failed), runsActive: Number(r.active) });
  } catch {
    /* no runs table (yet): zero */
  }
  try {
    const prs = await sql<{ n: string }>`select count(*) as n from pull_requests where org_id = ${orgId} and created_at >= ${since}`.execute(db);
    out.pullRequestsOpened = Number(prs.rows[0]?.n ?? 0);
  } catch {
    /* no pull_requests table (yet): zero */
  }
  return out;
}
