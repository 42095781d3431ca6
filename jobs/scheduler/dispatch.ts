import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { DB } from '../../server/db/client';
import type { RealtimeEvent } from '../../server/realtime/events';
import { DISPATCH_LOCK_KEY, LOCK_CLASS, type SchedulerSettings } from './constants';
import { insertTaskJobs, newJobId } from './enqueue';
import { billingEnabled } from '../../server/billing/config';
import { checkTokenBudget, getPlanLimits } from '../../server/billing/limits';

type Candidate = {
  id: string;
  org_id: string;
  run_id: string;
  key: string;
  status: 'pending' | 'blocked';
  wave: number;
  failures: number;
  waiting_merge: string | null;
  org_cap: number;
};

export type DispatchOutcome = { queued: number; blocked: number; events: Array<{ orgId: string; event: RealtimeEvent }> };

/**
 * Moves ready tasks to `queued` and creates their jobs, within the caps. Ready means:
 *   - its run is running;
 *   - wave barrier: it belongs to the lowest wave of its run that still has unfinished tasks, so a
 *     wave starts only when every task of the previous waves succeeded (a failure fails the run);
 *   - contracts: every producer it waits for (`wait_for_merge`) has landed, else it is `blocked`;
 *   - caps: queued+running stay under the global cap and the organisation's cap, and — with billing
 *     on — under its plan's concurrent agents, while it has monthly tokens left.
 * One dispatcher at a time (transaction advisory lock), so caps hold across any number of workers.
 */
export async function dispatchReady(db: DB, boss: PgBoss, settings: SchedulerSettings): Promise<DispatchOutcome> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_CLASS}::int, ${DISPATCH_LOCK_KEY}::int)`.execute(trx);
    const { rows: candidates } = await sql<Candidate>`
      with open_wave as (
        select t.run_id, min(t.wave) as wave
        from tasks t join runs r on r.id = t.run_id
        -- A CLI run's tasks are run by its own process (runs.runner = 'cli'), never queued here.
        where r.status = 'running' and r.runner = 'scheduler' and t.status <> 'succeeded'
        group by t.run_id
      )
      select t.id, t.org_id, t.run_id, t.key, t.status, t.wave, t.failures,
        (select string_agg(p.key, ', ') from jsonb_array_elements_text(t.wait_for_merge) k(v)
           join tasks p on p.run_id = t.run_id and p.key = k.v where p.landed_at is null) as waiting_merge,
        coalesce((o.settings->>'maxConcurrentTasks')::int, ${settings.orgTaskCap}::int) as org_cap
      from tasks t
      join open_wave w on w.run_id = t.run_id and w.wave = t.wave
      join runs r on r.id = t.run_id
      join organizations o on o.id = t.org_id
      where t.status in ('pending', 'blocked')
      order by r.started_at, t.wave, t.key
    `.execute(trx);
    if (candidates.length === 0) return { queued: 0, blocked: 0, events: [] };

    const { rows: active } = await sql<{ org_id: string; n: number }>`
      select org_id, count(*)::int as n from tasks where status in ('queued', 'running') group by org_id
    `.execute(trx);
    const perOrg = new Map(active.map((a) => [a.org_id, a.n]));
    let total = active.reduce((s, a) => s + a.n, 0);

    // With billing on, the organisation's plan caps its concurrent agents and monthly tokens.
    const plans = new Map<string, { agents: number; tokensLeft: boolean }>();
    if (billingEnabled()) {
      for (const orgId of new Set(candidates.map((c) => c.org_id))) {
        const { limits } = await getPlanLimits(trx, orgId);
        plans.set(orgId, { agents: limits.concurrentAgents, tokensLeft: (await checkTokenBudget(trx, orgId)).allowed });
      }
    }

    const admit: Array<Candidate & { jobId: string }> = [];
    const block: Candidate[] = [];
    const unblock: Candidate[] = [];
    for (const c of candidates) {
      if (c.waiting_merge) {
        if (c.status !== 'blocked') block.push(c);
        continue;
      }
      const orgActive = perOrg.get(c.org_id) ?? 0;
      const plan = plans.get(c.org_id);
      const overPlan = plan !== undefined && (!plan.tokensLeft || orgActive >= plan.agents);
      if (total >= settings.globalTaskCap || orgActive >= c.org_cap || overPlan) {
        if (c.status === 'blocked') unblock.push(c);
        continue;
      }
      admit.push({ ...c, jobId: newJobId() });
      perOrg.set(c.org_id, orgActive + 1);
      total++;
    }

    const events: DispatchOutcome['events'] = [];
    if (admit.length) {
      await sql`
        update tasks set status = 'queued', job_id = a.job_id::uuid, queued_at = clock_timestamp(), updated_at = now()
        from (select unnest(${admit.map((a) => a.id)}::uuid[]) as id, unnest(${admit.map((a) => a.jobId)}::text[]) as job_id) a
        where tasks.id = a.id
      `.execute(trx);
      await insertTaskJobs(trx, boss, settings, admit.map((a) => ({ taskId: a.id, runId: a.run_id, orgId: a.org_id, jobId: a.jobId, failures: a.failures })));
      for (const a of admit) events.push({ orgId: a.org_id, event: { type: 'task.status', runId: a.run_id, taskId: a.id, status: 'queued', wave: a.wave } });
    }
    if (block.length) {
      await trx.updateTable('tasks').set({ status: 'blocked', updated_at: new Date() }).where('id', 'in', block.map((b) => b.id)).execute();
      for (const b of block) {
        events.push({ orgId: b.org_id, event: { type: 'task.status', runId: b.run_id, taskId: b.id, status: 'blocked', wave: b.wave, reason: `waiting for ${b.waiting_merge} to land (contract)` } });
      }
    }
    if (unblock.length) {
      await trx.updateTable('tasks').set({ status: 'pending', updated_at: new Date() }).where('id', 'in', unblock.map((b) => b.id)).execute();
    }
    return { queued: admit.length, blocked: block.length, events };
  });
}
