/**
 * `npm run bench:scale` — real agent tasks through 1, 2 and 4 `nightshift worker` processes on one
 * PostgreSQL server (started here, as an operator's external database) and one machine. Each task
 * goes through the real task executor: worktree from the worker's mirror, bubblewrap sandbox, the
 * four roles (8 model turns, `npm test` once in the sandbox), a checkpoint commit per turn, the
 * branch pushed and the pull request recorded; the fake model server answers every turn after
 * 300 ms.
 *
 * Reports per worker count: throughput (tasks/minute) and its ratio to one worker, dispatch latency
 * (task queued → claimed by a worker: p50/p95, and p95 of the tasks that found a free slot), peak
 * RSS of the worker processes, and where the task time goes (model, sandbox start, sandbox
 * commands, other tools, the rest: git + harness + database). Then the resume delay: a worker
 * holding tasks is SIGKILLed, later another is SIGTERMed; how long until each of their tasks runs
 * again on another worker. One JSON line at the end.
 *
 *   BENCH_SCALE_TASKS (default 20 per worker count), BENCH_SCALE_WORKERS (default 1,2,4),
 *   BENCH_SCALE_SLOTS (tasks per worker process, default 4)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb, type DB } from '../server/db/client';
import { createUser } from '../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../server/services/orgs';
import { createProject } from '../server/services/projects';
import { createSpec, submitSpec } from '../server/services/specs';
import { createRun, startRun } from '../server/services/runs';
import type { OrgScope } from '../server/services/scope';
import { startFakeLlm, type FakeLlm } from '../test/fake-llm/server';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, SPEC, teamScript } from '../test/pipeline/run-test-support';
import { freePort, parseExposition, sampleValue, sharedKeys, spawnNightshift, startStandalonePostgres, waitFor, type Proc, type Standalone } from '../test/scale/processes';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 20);
const WORKER_COUNTS = (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const SLOTS = Number(process.env.BENCH_SCALE_SLOTS ?? 4);
const TURN_DELAY_MS = 300;
/** The resume phase's model turns are slower, so its tasks are long enough to be interrupted mid-way. */
const RESUME_TURN_DELAY_MS = 1_500;
const MODEL = 'openai:gpt-4o-mini';

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

type Worker = Proc & { workerId: string; metricsPort: number; peakRssKb: number };

let pgs: Standalone;
let db: DB;
let llm: FakeLlm;
let repo: string;
let tmp: string;
const keys = sharedKeys();
const live: Worker[] = [];
let scope: OrgScope;
let specId: string;

const answer = teamScript({
  architect: architectDesign,
  developer: (ctx) => {
    if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
    if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
    return call('finish', { summary: 'applyDiscount with its range check and tests' });
  },
  qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
  reviewer: () => call('finish', { steelman: 'Small and tested.', verdict: 'approve', summary: 'Approved.' }),
});

async function startWorker(name: string): Promise<Worker> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const metricsPort = await freePort();
  const p = spawnNightshift(name, ['worker'], {
    ...keys,
    DATABASE_URL: pgs.url,
    NIGHTSHIFT_DATA_DIR: dir,
    LOG_LEVEL: 'info',
    OPENAI_BASE_URL: `${llm.url}/v1`,
    OPENAI_API_KEY: 'sk-bench-scale-0123456789',
    SANDBOX_DRIVER: 'bwrap',
    NIGHTSHIFT_WORKER_SLOTS: String(SLOTS),
    NIGHTSHIFT_ORG_TASK_CAP: '1000',
    NIGHTSHIFT_GLOBAL_TASK_CAP: '1000',
    NIGHTSHIFT_METRICS_PORT: String(metricsPort),
    NIGHTSHIFT_METRICS_HOST: '127.0.0.1',
  });
  const w: Worker = Object.assign(p, { workerId: '', metricsPort, peakRssKb: 0 });
  w.workerId = /worker (\S+) started/.exec(await w.waitForLine(/worker \S+ started/))![1];
  live.push(w);
  return w;
}

/** Peak resident set of a process so far (VmHWM), in kB. */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function stopWorker(w: Worker, signal: NodeJS.Signals = 'SIGTERM') {
  w.peakRssKb = Math.max(w.peakRssKb, peakRss(w.child.pid!));
  await w.stop(signal);
  live.splice(live.indexOf(w), 1);
}

async function metricsOf(w: Worker) {
  const text = await (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text();
  const m = parseExposition(text);
  return {
    sandboxStartS: sampleValue(m, 'nightshift_sandbox_start_seconds_sum') ?? 0,
    sandboxStarts: sampleValue(m, 'nightshift_sandbox_start_seconds_count') ?? 0,
    modelS: sampleValue(m, 'nightshift_llm_latency_seconds_sum', { phase: 'total' }) ?? 0,
    taskS: sampleValue(m, 'nightshift_task_duration_seconds_sum') ?? 0,
    gitS: sampleValue(m, 'nightshift_git_seconds_sum') ?? 0,
  };
}

/** Creates `n` runs of one task each (independent: no wave waits on another), not started yet. */
async function createRuns(n: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = { ...DISCOUNT_TASK, title: `${DISCOUNT_TASK.title} (${label} ${i})` };
    const { run } = await createRun(db, scope, { specId, tasks: [task], model: MODEL });
    ids.push(run.id);
  }
  return ids;
}

async function waitRuns(runIds: string[], timeoutMs: number) {
  await waitFor(
    `${runIds.length} runs to finish`,
    async () => (await db.selectFrom('runs').select('id').where('id', 'in', runIds).where('status', 'in', ['queued', 'planning', 'running']).execute()).length === 0,
    timeoutMs,
    200,
  );
  const failed = await db.selectFrom('runs').select(['id', 'status', 'error']).where('id', 'in', runIds).where('status', '<>', 'succeeded').execute();
  if (failed.length) throw new Error(`${failed.length} run(s) did not succeed: ${JSON.stringify(failed.slice(0, 3))}`);
}

async function throughput(workers: number) {
  const procs: Worker[] = [];
  for (let i = 0; i < workers; i++) procs.push(await startWorker(`w${workers}-${i}`));
  const runIds = await createRuns(TASKS, `x${workers}`);
  const rss = setInterval(() => procs.forEach((w) => (w.peakRssKb = Math.max(w.peakRssKb, peakRss(w.child.pid!)))), 250);
  const t0 = Date.now();
  for (const id of runIds) await startRun(db, scope, { runId: id });
  await waitRuns(runIds, 30 * 60_000);
  const wallMs = Date.now() - t0;
  clearInterval(rss);

  const { rows: claims } = await sql<{ queued_at: Date; started_at: Date }>`
    select t.queued_at, (select min(a.started_at) from task_attempts a where a.task_id = t.id) as started_at
    from tasks t where t.run_id = any(${runIds}::uuid[])
  `.execute(db);
  const ordered = claims.map((c) => ({ q: new Date(c.queued_at).getTime(), s: new Date(c.started_at).getTime() })).sort((a, b) => a.s - b.s);
  const latencies = ordered.map((c) => c.s - c.q).sort((a, b) => a - b);
  // The first `slots × workers` claims found a free slot: their latency is dispatch alone.
  const free = ordered.slice(0, SLOTS * workers).map((c) => c.s - c.q).sort((a, b) => a - b);

  const { rows: parts } = await sql<{ kind: string; tool: string | null; ms: string }>`
    select e.kind, case when e.kind = 'tool' then e.data->>'toolName' end as tool, sum((e.data->>'durationMs')::numeric) as ms
    from recording_entries e join tasks t on t.id = e.task_id
    where t.run_id = any(${runIds}::uuid[]) and e.kind in ('model', 'command', 'tool')
    group by 1, 2
  `.execute(db);
  const sumMs = (f: (p: { kind: string; tool: string | null }) => boolean) => parts.filter(f).reduce((n, p) => n + Number(p.ms), 0);
  const metrics = await Promise.all(procs.map(metricsOf));
  const taskMs = metrics.reduce((n, m) => n + m.taskS * 1000, 0);
  const modelMs = sumMs((p) => p.kind === 'model');
  const commandMs = sumMs((p) => p.kind === 'command');
  const toolMs = sumMs((p) => p.kind === 'tool' && p.tool !== 'run_command');
  const sandboxStartMs = metrics.reduce((n, m) => n + m.sandboxStartS * 1000, 0);
  const gitMs = metrics.reduce((n, m) => n + m.gitS * 1000, 0);
  const share = (ms: number) => round((100 * ms) / taskMs);

  for (const w of procs) await stopWorker(w);
  return {
    workers,
    tasks: TASKS,
    wallS: round(wallMs / 1000),
    tasksPerMinute: round((TASKS * 60_000) / wallMs, 2),
    dispatchP50Ms: Math.round(percentile(latencies, 50)),
    dispatchP95Ms: Math.round(percentile(latencies, 95)),
    dispatchFreeSlotP95Ms: Math.round(percentile(free, 95)),
    peakRssMbPerWorker: round(Math.max(...procs.map((w) => w.peakRssKb)) / 1024),
    peakRssMbAllWorkers: round(procs.reduce((n, w) => n + w.peakRssKb, 0) / 1024),
    taskSecondsMean: round(taskMs / 1000 / TASKS),
    timeShares: {
      modelPct: share(modelMs),
      sandboxStartPct: share(sandboxStartMs),
      sandboxCommandsPct: share(commandMs),
      otherToolsPct: share(toolMs),
      gitPct: share(gitMs),
      harnessAndDatabasePct: share(taskMs - modelMs - sandboxStartMs - commandMs - toolMs - gitMs),
    },
  };
}

/** Seconds from `from` until each task held by `victim` (running at the signal) next started on another worker. */
async function resumeDelays(victim: Worker, signal: NodeJS.Signals, runIds: string[]) {
  const held = await db
    .selectFrom('task_attempts')
    .innerJoin('tasks', 'tasks.id', 'task_attempts.task_id')
    .select(['task_attempts.task_id'])
    .where('tasks.run_id', 'in', runIds)
    .where('task_attempts.worker_id', '=', victim.workerId)
    .where('task_attempts.ended_at', 'is', null)
    .execute();
  const ids = held.map((h) => h.task_id);
  if (ids.length === 0) throw new Error(`${victim.name} holds no task to interrupt`);
  const sent = Date.now();
  victim.child.kill(signal);
  // Each task either runs again elsewhere, or (SIGTERM) finished on the victim within the grace period.
  let finishedInGrace = 0;
  const next = await waitFor(
    "the victim's tasks to run again elsewhere",
    async () => {
      const rows = await db
        .selectFrom('task_attempts')
        .select(['task_id', 'started_at', 'worker_id', 'outcome'])
        .where('task_id', 'in', ids)
        .execute();
      const first = new Map<string, number>();
      let finished = 0;
      for (const r of rows) {
        if (r.worker_id !== victim.workerId && new Date(r.started_at).getTime() >= sent) first.set(r.task_id, Math.min(first.get(r.task_id) ?? Infinity, new Date(r.started_at).getTime()));
      }
      for (const id of ids) if (!first.has(id) && rows.some((r) => r.task_id === id && r.worker_id === victim.workerId && r.outcome === 'succeeded')) finished++;
      finishedInGrace = finished;
      return first.size + finished === ids.length ? first : undefined;
    },
    120_000,
    50,
  ).catch(async (err) => {
    const rows = await db.selectFrom('task_attempts').select(['task_id', 'worker_id', 'outcome', 'error', 'started_at', 'ended_at']).where('task_id', 'in', ids).execute();
    const tasks = await db.selectFrom('tasks').select(['id', 'status', 'lease_owner', 'job_id', 'error']).where('id', 'in', ids).execute();
    throw new Error(`${(err as Error).message}\nsignal at ${new Date(sent).toISOString()}\nattempts: ${JSON.stringify(rows)}\ntasks: ${JSON.stringify(tasks)}\nworkers: ${JSON.stringify(live.map((w) => w.workerId))}\n${victim.name}:\n${victim.lines.slice(-15).join('\n')}`);
  });
  const handBacks = await db.selectFrom('task_attempts').select(['task_id', 'ended_at', 'outcome']).where('task_id', 'in', ids).where('worker_id', '=', victim.workerId).execute();
  await victim.exited;
  live.splice(live.indexOf(victim), 1);
  const parsed = victim.stdout.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } });
  const stopped = parsed.find((l) => l?.msg === 'worker stopped') ?? null;
  if (process.env.BENCH_SCALE_DEBUG) process.stderr.write(`${victim.name}:\n${victim.lines.filter((l) => /task ended|shutting down|worker stopped|handed|release/.test(l)).join('\n')}\n`);
  const fromSignal = [...next.values()].map((t) => t - sent).sort((a, b) => a - b);
  const fromHandBack = handBacks.filter((h) => h.ended_at && h.outcome === 'released').map((h) => next.get(h.task_id)! - new Date(h.ended_at!).getTime()).sort((a, b) => a - b);
  return {
    tasks: ids.length,
    finishedInGrace,
    ...(stopped ? { victimLog: { tasksRunning: stopped.tasksRunning, abortedBeforeCheckpoint: stopped.abortedBeforeCheckpoint, stopMs: stopped.durationMs } } : {}),
    outcomes: [...new Set(handBacks.map((h) => h.outcome))],
    fromSignalMs: { p50: Math.round(percentile(fromSignal, 50)), max: Math.round(fromSignal.at(-1) ?? NaN) },
    ...(fromHandBack.length ? { fromHandBackMs: { p50: Math.round(percentile(fromHandBack, 50)), max: Math.round(fromHandBack.at(-1)!) } } : {}),
  };
}

/**
 * Worker a alone takes SLOTS tasks; mid-way, b starts and a is SIGKILLed (b has every slot free for
 * them); mid-way again, c starts and b is SIGTERMed. The delays are not queueing: a free slot waits.
 */
async function resumePhase() {
  const pool = [await startWorker('resume-a'), await startWorker('resume-b'), await startWorker('resume-c')];
  const runIds = await createRuns(SLOTS, 'resume');
  for (const id of runIds) await startRun(db, scope, { runId: id });
  const holding = async (w: Worker) =>
    (await db.selectFrom('task_attempts').innerJoin('tasks', 'tasks.id', 'task_attempts.task_id').select('task_attempts.id').where('tasks.run_id', 'in', runIds).where('task_attempts.worker_id', '=', w.workerId).where('task_attempts.ended_at', 'is', null).execute()).length > 0;
  // A checkpoint in: the worker's tasks are mid-way when the signal comes.
  const midway = async (w: Worker) =>
    (await holding(w)) &&
    (await db.selectFrom('task_checkpoints').innerJoin('tasks', 'tasks.id', 'task_checkpoints.task_id').select('task_checkpoints.turn').where('tasks.run_id', 'in', runIds).where('task_checkpoints.worker_id', '=', w.workerId).execute()).length >= 1;
  const victim = (what: string, among: Worker[]) =>
    waitFor(what, async () => {
      for (const w of among) if (await midway(w)) return w;
      return undefined;
    }, 120_000, 50);
  // Three workers share the tasks, every one with free slots: the delays are not queueing.
  const killed = await victim('a worker mid-task', pool);
  const sigkill = await resumeDelays(killed, 'SIGKILL', runIds);
  const rest = pool.filter((w) => w !== killed);
  const termed = await victim('another worker mid-task', rest);
  const sigterm = await resumeDelays(termed, 'SIGTERM', runIds);
  await waitRuns(runIds, 10 * 60_000);
  for (const w of rest.filter((x) => x !== termed)) await stopWorker(w);
  return { sigkill, sigterm };
}

async function main(): Promise<number> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-bench-scale-'));
  fs.chmodSync(tmp, 0o711);
  pgs = await startStandalonePostgres();
  ({ repo } = await makeFixtureRepo());
  llm = await startFakeLlm({
    script: (body) => ({
      ...answer(body),
      usage: { inputTokens: 1200, outputTokens: 80 },
      faults: { delayHeadersMs: JSON.stringify(body.messages ?? []).includes('(resume ') ? RESUME_TURN_DELAY_MS : TURN_DELAY_MS },
    }),
  });
  try {
    // The first worker migrates the database; the fixtures go in after.
    const first = await startWorker('setup');
    db = createDb(pgs.url).db;
    const user = await createUser(db, { name: 'Bench', email: 'bench@scale.test', password: 'bench-password-1' });
    const org = await createOrganization(db, { name: 'Bench Org', ownerId: user.id });
    scope = { orgId: org.id, userId: user.id, role: 'owner' };
    await updateOrganizationSettings(db, scope, { specThreshold: 0 });
    const project = await createProject(db, scope, { name: 'cart', repository: repo });
    const spec = await createSpec(db, scope, { projectId: project.id, title: 'Cart discounts', markdown: SPEC });
    await submitSpec(db, scope, { specId: spec.id });
    specId = spec.id;
    await stopWorker(first);

    const results = [];
    for (const n of WORKER_COUNTS) {
      const r = await throughput(n);
      results.push(r);
      process.stdout.write(`${n} worker(s): ${r.tasksPerMinute} tasks/min (${r.tasks} tasks in ${r.wallS} s), dispatch p50 ${r.dispatchP50Ms} ms p95 ${r.dispatchP95Ms} ms (free slot p95 ${r.dispatchFreeSlotP95Ms} ms), peak RSS ${r.peakRssMbPerWorker} MB/worker ${r.peakRssMbAllWorkers} MB all, time: ${JSON.stringify(r.timeShares)}\n`);
    }
    const base = results.find((r) => r.workers === 1) ?? results[0];
    const ratios = base ? Object.fromEntries(results.map((r) => [`${r.workers}`, { throughput: round(r.tasksPerMinute / base.tasksPerMinute, 2), dispatchP95: round(r.dispatchP95Ms / Math.max(1, base.dispatchP95Ms), 2) }])) : {};
    process.stdout.write(`ratios to 1 worker: ${JSON.stringify(ratios)}\n`);
    const resume = await resumePhase();
    process.stdout.write(`resume after SIGKILL: ${JSON.stringify(resume.sigkill)}\nresume after SIGTERM: ${JSON.stringify(resume.sigterm)}\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'scale', cpus: os.cpus().length, slotsPerWorker: SLOTS, turnDelayMs: TURN_DELAY_MS, results, ratios, resume })}\n`);
    return 0;
  } finally {
    await Promise.all(live.map((w) => w.stop('SIGKILL')));
    await db?.destroy().catch(() => {});
    await llm.close();
    await pgs.stop();
    removeFixtures();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench:scale failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
