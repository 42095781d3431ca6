import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { cancelRun, createRun, getRun, startRun } from '../../server/services/runs';
import { createPullRequestStore } from '../../server/services/pull-requests';
import { LeaseLostError, type TaskExecutor } from '../../jobs/scheduler/types';
import { setupOrg, startTestWorker, task, waitFor, type TestWorker } from './fixtures';

let t: TestDatabase;
const workers: TestWorker[] = [];

beforeAll(async () => {
  t = await createTestDatabase('sched');
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await t?.close();
});

async function worker(executor: TaskExecutor, overrides = {}) {
  const w = await startTestWorker(t, executor, { reaperIntervalMs: 200, ...overrides });
  workers.push(w);
  return w;
}

async function stopAll() {
  while (workers.length) await workers.pop()!.stop();
}

async function runStatus(runId: string) {
  return t.db.selectFrom('runs').select(['status', 'error']).where('id', '=', runId).executeTakeFirstOrThrow();
}

async function waitRunEnds(runId: string, timeoutMs = 30_000) {
  return waitFor(`run ${runId} to finish`, async () => {
    const r = await runStatus(runId);
    return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  }, timeoutMs);
}

describe('scheduling on pg-boss', () => {
  it('runs waves in order behind barriers, checkpoints each turn and succeeds', async () => {
    const { scope, spec } = await setupOrg(t.db);
    const log: Array<{ key: string; event: 'start' | 'end'; at: number }> = [];
    await worker(async (tk, ctx) => {
      log.push({ key: tk.key, event: 'start', at: performance.now() });
      for (let turn = (ctx.checkpoint?.turn ?? 0) + 1; turn <= 3; turn++) await ctx.saveCheckpoint(turn, { turn });
      log.push({ key: tk.key, event: 'end', at: performance.now() });
      return { status: 'succeeded', usage: { inputTokens: 100, outputTokens: 10 } };
    });
    const { run, preview } = await createRun(t.db, scope, {
      specId: spec.id,
      tasks: [task('a', ['src/a.ts']), task('b', ['src/b.ts']), task('c', ['src/c.ts'], ['a', 'b']), task('d', ['src/c.ts'])],
    });
    // c waits for a and b; d shares c's file, so the planner puts them in different waves.
    const waveOf = (key: string) => preview.waves.findIndex((w) => w.includes(key));
    expect(waveOf('c')).toBeGreaterThan(Math.max(waveOf('a'), waveOf('b')));
    expect(waveOf('d')).not.toBe(waveOf('c'));
    expect(run.status).toBe('queued');
    await startRun(t.db, scope, { runId: run.id });
    expect(await waitRunEnds(run.id)).toEqual({ status: 'succeeded', error: null });

    const when = (key: string, event: 'start' | 'end') => log.find((l) => l.key === key && l.event === event)!.at;
    // The barrier: every task of a wave starts after every task of the previous wave ended.
    for (let w = 1; w < preview.waves.length; w++) {
      const prevEnd = Math.max(...preview.waves[w - 1].map((k) => when(k, 'end')));
      for (const k of preview.waves[w]) expect(when(k, 'start'), `${k} started before wave ${w - 1} ended`).toBeGreaterThan(prevEnd);
    }
    const status = await getRun(t.db, scope, run.id);
    expect(status.waves.map((w) => w.map((x) => x.key).sort())).toEqual(preview.waves.map((w) => [...w].sort()));
    expect(status.counts).toEqual({ succeeded: 4 });
    expect(Number(status.inputTokens)).toBe(400);
    const cps = await t.db.selectFrom('task_checkpoints').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(cps.n)).toBe(12);
    await stopAll();
  });

  it('a failed task stops the later waves and fails the run with its reason', async () => {
    const { scope, spec } = await setupOrg(t.db);
    const started: string[] = [];
    await worker(async (tk) => {
      started.push(tk.key);
      return tk.key === 'a' ? { status: 'failed', error: 'tests do not pass' } : { status: 'succeeded' };
    });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('a', ['a.ts']), task('later', ['l.ts'], ['a'])] });
    await startRun(t.db, scope, { runId: run.id });
    const end = await waitRunEnds(run.id);
    expect(end.status).toBe('failed');
    expect(end.error).toContain('task "a" failed: tests do not pass');
    expect(started).toEqual(['a']);
    const later = await t.db.selectFrom('tasks').select('status').where('run_id', '=', run.id).where('key', '=', 'later').executeTakeFirstOrThrow();
    expect(later.status).toBe('cancelled');
    await stopAll();
  });

  it('retries a throwing task with backoff, then marks it dead and dead-letters its job', async () => {
    const { scope, spec } = await setupOrg(t.db);
    const startedAt: number[] = [];
    await worker(
      async () => {
        startedAt.push(Date.now());
        throw new Error('sandbox exploded');
      },
      { taskMaxAttempts: 3, retryDelaySeconds: 1 },
    );
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('boom', ['x.ts'])] });
    await startRun(t.db, scope, { runId: run.id });
    const end = await waitRunEnds(run.id, 45_000);
    expect(end.status).toBe('failed');
    expect(end.error).toContain('failed after every retry: sandbox exploded');
    const row = await t.db.selectFrom('tasks').select(['id', 'status', 'failures', 'attempts']).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'dead', failures: 3, attempts: 3 });
    expect(startedAt).toHaveLength(3);
    // Backoff: the second gap is not shorter than the first (1 s, then 2 s, with pg-boss's jitter-free doubling).
    expect(startedAt[1] - startedAt[0]).toBeGreaterThanOrEqual(900);
    expect(startedAt[2] - startedAt[1]).toBeGreaterThanOrEqual(startedAt[1] - startedAt[0] - 200);
    const dead = await waitFor('the dead letter', async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'run-task-dead' and data->>'taskId' = ${row.id}`.execute(t.db);
      return rows[0].n > 0 ? rows[0].n : undefined;
    });
    expect(dead).toBe(1);
    await stopAll();
  });

  it('holds a contract consumer until the producer task has landed (its pull request is recorded)', async () => {
    const { scope, spec, project } = await setupOrg(t.db);
    await t.db
      .updateTable('projects')
      .set({ settings: JSON.stringify({ contracts: [{ path: 'api/openapi.yaml', producer: 'backend', consumers: ['frontend'] }] }) })
      .where('id', '=', project.id)
      .execute();
    const started: string[] = [];
    await worker(async (tk) => {
      started.push(tk.key);
      return { status: 'succeeded' };
    });
    const { run, preview } = await createRun(t.db, scope, {
      specId: spec.id,
      tasks: [task('api', ['api/openapi.yaml'], [], 'backend'), task('web', ['web/client.ts'], [], 'frontend')],
    });
    expect(preview.edges.find((e) => e.task === 'web')?.blockedUntilMerged).toBe(true);
    await startRun(t.db, scope, { runId: run.id });
    const web = await waitFor('web to be blocked', async () => {
      const r = await t.db.selectFrom('tasks').select(['id', 'status']).where('run_id', '=', run.id).where('key', '=', 'web').executeTakeFirstOrThrow();
      return r.status === 'blocked' ? r : undefined;
    });
    expect(web.status).toBe('blocked');
    expect(started).toEqual(['api']);
    expect((await runStatus(run.id)).status).toBe('running');

    const api = await t.db.selectFrom('tasks').select(['id', 'status']).where('run_id', '=', run.id).where('key', '=', 'api').executeTakeFirstOrThrow();
    expect(api.status).toBe('succeeded');
    const store = createPullRequestStore(t.db, { orgId: scope.orgId, runId: run.id, taskId: api.id });
    const now = new Date();
    await store.upsert({ projectId: project.id, branch: 'nightshift/api', base: 'main', title: 'API', body: 'report', draft: false, labels: [], provider: 'local', state: 'open', createdAt: now, updatedAt: now });
    expect(await waitRunEnds(run.id)).toEqual({ status: 'succeeded', error: null });
    expect(started).toEqual(['api', 'web']);
    expect((await store.findByBranch(project.id, 'nightshift/api'))?.title).toBe('API');
    await stopAll();
  });

  it('cancellation: queued tasks never start and the running one sees its signal', async () => {
    const { scope, spec } = await setupOrg(t.db);
    await t.db.updateTable('organizations').set({ settings: JSON.stringify({ specThreshold: 0, maxConcurrentTasks: 1 }) }).where('id', '=', scope.orgId).execute();
    const started: string[] = [];
    let sawAbort = false;
    await worker(async (tk, ctx) => {
      started.push(tk.key);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = true;
      throw ctx.signal.reason;
    });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('one', ['1.ts']), task('two', ['2.ts']), task('three', ['3.ts'])] });
    await startRun(t.db, scope, { runId: run.id });
    await waitFor('a task to run', async () => (started.length === 1 ? true : undefined));
    await cancelRun(t.db, scope, { runId: run.id });
    await waitFor('every task to be cancelled', async () => {
      const rows = await t.db.selectFrom('tasks').select('status').where('run_id', '=', run.id).execute();
      return rows.every((r) => r.status === 'cancelled') ? true : undefined;
    });
    expect(sawAbort).toBe(true);
    expect(started).toHaveLength(1);
    expect((await runStatus(run.id)).status).toBe('cancelled');
    await stopAll();
  });

  it('keeps per-organisation and global concurrency caps', async () => {
    const a = await setupOrg(t.db, 'cap-a');
    const b = await setupOrg(t.db, 'cap-b');
    const running = new Map<string, number>();
    let maxTotal = 0;
    const maxPerOrg = new Map<string, number>();
    const release: Array<() => void> = [];
    await worker(
      async (tk) => {
        running.set(tk.orgId, (running.get(tk.orgId) ?? 0) + 1);
        maxPerOrg.set(tk.orgId, Math.max(maxPerOrg.get(tk.orgId) ?? 0, running.get(tk.orgId)!));
        maxTotal = Math.max(maxTotal, [...running.values()].reduce((x, y) => x + y, 0));
        await new Promise<void>((resolve) => release.push(resolve));
        running.set(tk.orgId, running.get(tk.orgId)! - 1);
        return { status: 'succeeded' };
      },
      { orgTaskCap: 2, globalTaskCap: 3, workerSlots: 10 },
    );
    const runs = [];
    for (const o of [a, b]) {
      const { run } = await createRun(t.db, o.scope, { specId: o.spec.id, tasks: ['1', '2', '3', '4'].map((k) => task(k, [`${k}.ts`])) });
      await startRun(t.db, o.scope, { runId: run.id });
      runs.push(run.id);
    }
    // The caps saturate: three tasks run (two of one org, one of the other) and no more start.
    await waitFor('the global cap to fill', async () => (release.length === 3 ? true : undefined));
    const queuedOrRunning = await t.db.selectFrom('tasks').select(({ fn }) => fn.countAll<string>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
    expect(Number(queuedOrRunning.n)).toBe(3);
    // Then release one task at a time until both runs finish.
    for (let done = 0; done < 8; done++) {
      await waitFor('a running task', async () => (release.length > 0 ? true : undefined));
      release.shift()!();
    }
    for (const id of runs) expect((await waitRunEnds(id)).status).toBe('succeeded');
    expect(maxTotal).toBe(3);
    expect(Math.max(...maxPerOrg.values())).toBe(2);
    await stopAll();
  });

  it('a hung worker whose lease lapsed loses its task to another, which resumes from the checkpoint; the hung one cannot write after', async () => {
    const { scope, spec } = await setupOrg(t.db);
    let wakeZombie: () => void = () => {};
    const zombieWoken = new Promise<void>((r) => (wakeZombie = r));
    let zombieError: unknown = null;
    let zombieCheckpointed = false;
    // Never renews its 1 s lease: to the others it looks hung.
    await worker(
      async (_tk, ctx) => {
        await ctx.saveCheckpoint(1, { by: 'zombie' });
        zombieCheckpointed = true;
        await zombieWoken;
        try {
          await ctx.saveCheckpoint(2, { by: 'zombie' });
        } catch (err) {
          zombieError = err;
          throw err;
        }
        return { status: 'succeeded' };
      },
      { leaseTtlMs: 1_000, leaseRenewMs: 600_000, workerSlots: 1 },
    );
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [task('long', ['long.ts'])] });
    await startRun(t.db, scope, { runId: run.id });
    await waitFor('the zombie to checkpoint turn 1', async () => (zombieCheckpointed ? true : undefined));
    const resumedFrom: Array<number | null> = [];
    await worker(async (_tk, ctx) => {
      resumedFrom.push(ctx.checkpoint?.turn ?? null);
      for (let turn = (ctx.checkpoint?.turn ?? 0) + 1; turn <= 3; turn++) await ctx.saveCheckpoint(turn, { by: 'rescuer' });
      return { status: 'succeeded' };
    });
    expect(await waitRunEnds(run.id)).toEqual({ status: 'succeeded', error: null });
    expect(resumedFrom).toEqual([1]);
    wakeZombie();
    await waitFor('the zombie to give up', async () => (zombieError ? true : undefined));
    expect(zombieError).toBeInstanceOf(LeaseLostError);
    const cps = await t.db
      .selectFrom('task_checkpoints')
      .innerJoin('tasks', 'tasks.id', 'task_checkpoints.task_id')
      .select(['turn', 'state'])
      .where('tasks.run_id', '=', run.id)
      .orderBy('turn')
      .execute();
    expect(cps).toEqual([
      { turn: 1, state: { by: 'zombie' } },
      { turn: 2, state: { by: 'rescuer' } },
      { turn: 3, state: { by: 'rescuer' } },
    ]);
    const outcomes = await t.db
      .selectFrom('task_attempts')
      .innerJoin('tasks', 'tasks.id', 'task_attempts.task_id')
      .select('outcome')
      .where('tasks.run_id', '=', run.id)
      .orderBy('task_attempts.id')
      .execute();
    expect(outcomes.map((o) => o.outcome)).toEqual(['lost', 'succeeded']);
    await stopAll();
  });
});
