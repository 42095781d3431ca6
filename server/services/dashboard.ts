import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { OrgScope } from './scope';

export const DASHBOARD_DAYS = 30;

/** The organisation's dashboard: runs per day (UTC days), success rate, tokens and cost, queue depth, failing tasks. */
export async function dashboardStats(db: DB, scope: OrgScope) {
  const since = new Date(Date.now() - DASHBOARD_DAYS * 86_400_000);
  const perDay = await db
    .selectFrom('runs')
    .select([
      sql<string>`to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD')`.as('day'),
      sql<number>`count(*)::int`.as('runs'),
      sql<number>`count(*) filter (where status = 'succeeded')::int`.as('succeeded'),
      sql<number>`count(*) filter (where status = 'failed')::int`.as('failed'),
      sql<number>`coalesce(sum(input_tokens + output_tokens), 0)::bigint`.as('tokens'),
      sql<number>`coalesce(sum(cost_usd), 0)::float`.as('costUsd'),
    ])
    .where('org_id', '=', scope.orgId)
    .where('created_at', '>=', since)
    .groupBy(sql`date_trunc('day', created_at at time zone 'UTC')`)
    .orderBy(sql`date_trunc('day', created_at at time zone 'UTC')`)
    .execute();
  const queue = await db
    .selectFrom('tasks')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('org_id', '=', scope.orgId)
    .where('status', 'in', ['pending', 'blocked', 'queued', 'running'])
    .groupBy('status')
    .execute();
  const failing = await db
    .selectFrom('tasks')
    .innerJoin('runs', 'runs.id', 'tasks.run_id')
    .select(['tasks.id', 'tasks.run_id as runId', 'tasks.key', 'tasks.title', 'tasks.status', 'tasks.error', 'tasks.finished_at as finishedAt'])
    .where('tasks.org_id', '=', scope.orgId)
    .where('runs.org_id', '=', scope.orgId)
    .where('tasks.status', 'in', ['failed', 'dead'])
    .orderBy('tasks.finished_at', 'desc')
    .limit(20)
    .execute();
  const finished = perDay.reduce((n, d) => n + d.succeeded + d.failed, 0);
  const succeeded = perDay.reduce((n, d) => n + d.succeeded, 0);
  return {
    days: perDay.map((d) => ({ ...d, tokens: Number(d.tokens) })),
    successRate: finished ? succeeded / finished : null,
    totals: {
      runs: perDay.reduce((n, d) => n + d.runs, 0),
      tokens: perDay.reduce((n, d) => n + Number(d.tokens), 0),
      costUsd: perDay.reduce((n, d) => n + d.costUsd, 0),
    },
    queue: Object.fromEntries(queue.map((q) => [q.status, q.n])) as Record<string, number>,
    failing,
  };
}
