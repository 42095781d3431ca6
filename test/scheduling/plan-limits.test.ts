import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createRun, getRun, startRun } from '../../server/services/runs';
import { recordTokenUsage } from '../../server/services/billing';
import { PLANS } from '../../server/billing/plans';
import { setupOrg, startTestWorker, task, waitFor, type TestWorker } from './fixtures';
import type { TaskExecutor } from '../../jobs/scheduler/types';

/**
 * With billing on, the scheduler keeps an organisation within its plan: the free plan's concurrent
 * agents, and no new task once the month's tokens are spent. Self-hosters (billing off) get no cap.
 */
let t: TestDatabase;
let worker: TestWorker;
const gates = new Map<string, () => void>();
let running = 0;
let peak = 0;
const executor: TaskExecutor = async (taskRow) => {
  running++;
  peak = Math.max(peak, running);
  await new Promise<void>((resolve) => gates.set(taskRow.key, resolve));
  running--;
  return { status: 'succeeded' };
};
const saved = process.env.STRIPE_SECRET_KEY;

beforeAll(async () => {
  t = await createTestDatabase('plan');
  process.env.STRIPE_SECRET_KEY = 'sk_test_plan_limits';
  worker = await startTestWorker(t, executor);
});

afterAll(async () => {
  for (const open of gates.values()) open();
  await worker?.stop();
  if (saved === undefined) delete process.env.STRIPE_SECRET_KEY;
  else process.env.STRIPE_SECRET_KEY = saved;
  await t?.close();
});

describe('plan limits in the scheduler', () => {
  it('runs a free organisation one agent at a time, and holds tasks once its tokens are spent', async () => {
    expect(PLANS.free.concurrentAgents).toBe(1);
    const { scope, spec } = await setupOrg(t.db, 'free');
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('a', ['a.ts']), task('b', ['b.ts']), task('c', ['c.ts'])] });
    await startRun(t.db, scope, { runId: run.id });
    const first = await waitFor('a first task running', async () => [...gates.keys()][0]);
    await worker.scheduler.tick();
    expect(gates.size).toBe(1);
    expect((await getRun(t.db, scope, run.id)).counts.pending).toBe(2);

    // The month's tokens are used up: when the running task ends, nothing else starts.
    await recordTokenUsage(t.db, { orgId: scope.orgId, runId: run.id, tokens: PLANS.free.monthlyTokens });
    gates.get(first)!();
    await waitFor('the first task done', async () => (await getRun(t.db, scope, run.id)).counts.succeeded === 1);
    await worker.scheduler.tick();
    expect(gates.size).toBe(1);
    expect((await getRun(t.db, scope, run.id)).counts.pending).toBe(2);
    expect(peak).toBe(1);
  });
});
