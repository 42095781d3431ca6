/**
 * Runs an eval suite: every task (× `repeat`) as a run like any other — its own run id, worktree,
 * sandbox, checkpoints and events, through the one task executor — then the result verified with
 * the task's hidden files in a fresh sandbox. Used by `nightshift eval run` and the eval-run job.
 */
import { join } from 'node:path';
import type { SandboxDriverName } from '../../sandbox/types';
import type { Budgets } from '../agent/budgets';
import type { DB } from '../db/client';
import { createTaskEnvironment, type TaskEnvironment } from '../env/session-setup';
import type { AgentSettingsOverlay } from '../pipeline/agent-setup';
import { createPipelineExecutor, type PipelineTaskOutput } from '../pipeline/task-executor';
import type { SessionEvent } from '../pipeline/task-session';
import type { Publisher } from '../realtime/publish';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { addCliPlan, cliRunTasks, cliTaskUsage, createCliRun, finishCliRun, skipCliTask } from '../services/cli-runs';
import { createEvalRun, endEvalRun, evalProject, finishEvalRun, recordEvalResult, settleAbandonedEvalRuns, startEvalRun, type EvalRegression } from '../services/evals';
import { scoreSpec } from '../specs/score';
import { startLocalRunner } from '../../jobs/scheduler/local-runner';
import { roundUsd, summarize, type EvalMode, type EvalResult, type EvalTaskResult, type EvalTaskStatus } from './result';
import type { EvalSuite, EvalTask } from './suite';
import { EVAL_BASE_BRANCH, prepareTaskRepo } from './task-repo';
import { verifyResult } from './verify';

/** The most task attempts an eval runs at once: each holds a worktree and a sandbox. */
export const MAX_EVAL_CONCURRENCY = 8;
export const MAX_EVAL_REPEAT = 20;

export type RunEvalOptions = {
  db: DB;
  /** The database's connection string: the eval holds a liveness lock on a connection of its own. */
  databaseUrl: string;
  dataDir: string;
  orgId: string;
  suite: EvalSuite;
  suiteSource: 'builtin' | 'folder';
  model: string;
  baseUrl?: string;
  mode: EvalMode;
  repeat?: number;
  concurrency?: number;
  driver: SandboxDriverName;
  publish: Publisher;
  /** Set up each task's dependencies (default true; not with the `none` driver). */
  setupDependencies?: boolean;
  budgets?: Partial<Budgets>;
  /** An eval run already stored (queued from the Evals page); otherwise one is made. */
  evalRunId?: string;
  runner: 'cli' | 'server';
  startedBy?: string | null;
  /**
   * calibration: a self-improvement gate's run (server/rsi): stored apart from the organisation's
   * own evals (never the previous run a later eval is compared with), and run with `agentOverlay`.
   */
  purpose?: 'eval' | 'calibration';
  /** Prompt and skill texts laid over the organisation's for this eval only. */
  agentOverlay?: AgentSettingsOverlay;
  /** Progress lines (the CLI writes them to stderr). */
  log?: (line: string) => void;
  /** Each agent's progress, when wanted (`--verbose`). */
  onSessionEvent?: (taskId: string, event: SessionEvent) => void;
  signal?: AbortSignal;
};

export type RunEvalOutcome = { result: EvalResult; regression: EvalRegression; cancelled: false } | { cancelled: true; evalRunId: string; completed: EvalTaskResult[] };

type Attempt = { task: EvalTask; attempt: number; repo: string; projectId: string };

const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Runs the suite and stores the eval run (per organisation), its per-attempt results and the
 * regressions against the previous run of the same suite.
 */
export async function runEval(opts: RunEvalOptions): Promise<RunEvalOutcome> {
  const log = opts.log ?? (() => undefined);
  const { db, suite } = opts;
  const repeat = Math.max(1, Math.min(MAX_EVAL_REPEAT, Math.floor(opts.repeat ?? 1)));
  const concurrency = Math.max(1, Math.min(MAX_EVAL_CONCURRENCY, Math.floor(opts.concurrency ?? 1)));
  const started = Date.now();
  const orgRoot = join(opts.dataDir, 'evals', opts.orgId);
  const verifyRoot = join(orgRoot, 'verify');
  const total = suite.tasks.length * repeat;

  // ---- each task's repository and project (made once per content, reused across evals) ----
  const repos = new Map<string, string>(); // projectId → repository folder
  const prepared: Array<{ task: EvalTask; repo: string; projectId: string }> = [];
  for (const task of suite.tasks) {
    const repo = await prepareTaskRepo(join(orgRoot, 'repos'), task);
    const project = await evalProject(db, { orgId: opts.orgId, repoPath: repo, name: `eval ${suite.name}/${task.id}`, settings: task.webTest ? { webTest: task.webTest } : {} });
    repos.set(project.id, repo);
    prepared.push({ task, repo, projectId: project.id });
  }
  const attempts: Attempt[] = [];
  for (let attempt = 1; attempt <= repeat; attempt++) for (const p of prepared) attempts.push({ ...p, attempt });

  // The dependency cache is shared by the suite's tasks in this organisation: tasks with the same
  // lockfile install once.
  const projectKey = `eval-${opts.orgId.slice(0, 8)}-${suite.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40)}`;
  const withDeps = opts.setupDependencies !== false && opts.driver !== 'none';
  const environment = (): TaskEnvironment | null => (withDeps ? createTaskEnvironment({ dataDir: opts.dataDir, projectKey, driver: opts.driver, log: () => undefined }) : null);

  const taskIdOfRunTask = new Map<string, string>();
  const executor = createPipelineExecutor({
    db,
    dataDir: opts.dataDir,
    sandboxDriver: opts.driver,
    mode: opts.mode,
    modelBaseUrl: opts.baseUrl,
    budgets: opts.budgets,
    pullRequests: false,
    agentOverlay: opts.agentOverlay,
    // Only the repositories this eval made: never whatever a project row says meanwhile.
    repositorySource: async ({ projectId }) => {
      const repo = repos.get(projectId);
      if (!repo) throw new Error(`project ${projectId} is not one of this eval's task repositories`);
      return operatorRepositorySource(repo);
    },
    environment: withDeps ? () => environment() : undefined,
    onSessionEvent: opts.onSessionEvent ? (t, e) => opts.onSessionEvent!(taskIdOfRunTask.get(t.id) ?? t.key, e) : undefined,
  });
  const runner = await startLocalRunner({ db, connectionString: opts.databaseUrl, executor, publish: opts.publish });
  // Signed by this process (its liveness lock): if it dies, the eval shows as failed, not running.
  let evalRunId = opts.evalRunId;
  try {
    await settleAbandonedEvalRuns(db, opts.orgId);
    if (evalRunId) await startEvalRun(db, { orgId: opts.orgId, evalRunId, total, owner: runner.workerId });
    else evalRunId = await createEvalRun(db, { orgId: opts.orgId, suite: suite.name, suiteSource: opts.suiteSource, model: opts.model, mode: opts.mode, repeat, total, runner: opts.runner, owner: runner.workerId, startedBy: opts.startedBy, purpose: opts.purpose });
  } catch (err) {
    await runner.close();
    throw err;
  }
  log(`eval ${evalRunId}: suite "${suite.name}", ${suite.tasks.length} tasks × ${repeat} with ${opts.model} (${opts.mode} mode), ${concurrency} at a time`);
  const onAbort = () => runner.stopAll();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const results: EvalTaskResult[] = [];
  const promptVersions: Record<string, string> = {};
  let next = 0;
  let done = 0;
  try {
    const lane = async () => {
      while (next < attempts.length && !opts.signal?.aborted) {
        const a = attempts[next++];
        const r = await runAttempt(a);
        if (opts.signal?.aborted && r.status === 'error') break;
        results.push(r);
        done += 1;
        await recordEvalResult(db, { orgId: opts.orgId, evalRunId: evalRunId!, result: r });
        const figures = `${r.turns} turns, $${r.costUsd.toFixed(4)}, ${secs(r.durationMs ?? 0)}`;
        const verdict = r.status === 'error' ? `error: ${r.reason ?? ''}` : `${r.status} (verify exit ${r.verifyExitCode})`;
        log(`[${done}/${total}] ${a.task.id}${repeat > 1 ? ` #${a.attempt}` : ''}: ${verdict}; ${figures}; run ${r.runId}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, attempts.length) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }

  if (opts.signal?.aborted) {
    await endEvalRun(db, { orgId: opts.orgId, evalRunId, status: 'cancelled', error: `cancelled after ${results.length} of ${total} attempts` });
    return { cancelled: true, evalRunId, completed: results };
  }
  // Results in suite order, attempt by attempt: the same file for the same outcomes.
  const order = new Map(suite.tasks.map((t, i) => [t.id, i]));
  results.sort((x, y) => x.attempt - y.attempt || order.get(x.id)! - order.get(y.id)!);
  const result = summarize({ suite: suite.name, model: opts.model, mode: opts.mode, durationMs: Date.now() - started, tasks: results, promptVersions, evalRunId });
  const regression = await finishEvalRun(db, { orgId: opts.orgId, evalRunId, result });
  return { result, regression, cancelled: false };

  async function runAttempt(a: Attempt): Promise<EvalTaskResult> {
    const t0 = Date.now();
    const { task } = a;
    const criteria = task.criteria ?? [];
    const markdown = `# ${task.title}\n\n${task.prompt}\n${criteria.length ? `\n## Acceptance criteria\n${criteria.map((c, i) => `${i + 1}. ${c}`).join('\n')}\n` : ''}`;
    const base = { id: task.id, attempt: a.attempt };
    let runId: string | null = null;
    try {
      const ids = await createCliRun(db, {
        orgId: opts.orgId,
        projectId: a.projectId,
        title: `eval ${suite.name}/${task.id}${repeat > 1 ? ` #${a.attempt}` : ''}: ${task.title}`.slice(0, 200),
        markdown,
        score: scoreSpec(markdown).score,
        findings: [],
        model: opts.model,
        baseBranch: EVAL_BASE_BRANCH,
        owner: runner.workerId,
      });
      runId = ids.runId;
      await addCliPlan(db, { orgId: opts.orgId, runId, waves: [['T1']], tasks: [{ id: 'T1', title: task.title, description: task.prompt, files: [], dependsOn: [], wave: 0 }] });
      const [row] = await cliRunTasks(db, runId);
      taskIdOfRunTask.set(row.id, `${task.id}${repeat > 1 ? `#${a.attempt}` : ''}`);
      await runner.runTask(row.id);
      const [after] = await cliRunTasks(db, runId);
      const usage = await cliTaskUsage(db, after.id);
      const out = (after.output ?? {}) as Partial<PipelineTaskOutput> & { setupFailed?: boolean };
      Object.assign(promptVersions, out.promptVersions ?? {});
      const figures = { turns: out.turns ?? out.agent?.turns ?? 0, costUsd: roundUsd(usage.costUsd), inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, runId, ...(after.branch ? { branch: after.branch } : {}) };
      const settle = async (status: 'succeeded' | 'failed', error?: string) => {
        if (after.status !== 'succeeded' && after.status !== 'failed') await skipCliTask(db, after.id, error ?? 'the eval ended');
        await finishCliRun(db, { runId: runId!, status, ...(error ? { error } : {}) });
      };
      const finished = after.status === 'succeeded' || after.status === 'failed';
      if (!finished || !out.commitSha || out.setupFailed) {
        const reason = out.setupFailed ? (after.error ?? 'dependency setup failed') : (after.error ?? `the task ended ${after.status} without a result`);
        await settle('failed', reason);
        return { ...base, status: 'error', verifyExitCode: null, ...figures, durationMs: Date.now() - t0, reason };
      }
      const verified = await verifyResult({
        task,
        repo: a.repo,
        commit: out.commitSha,
        workRoot: verifyRoot,
        driver: opts.driver,
        environment: withDeps ? () => environment() : undefined,
        signal: opts.signal,
      });
      if (!verified.ran) {
        await settle('failed', verified.error);
        return { ...base, status: 'error', verifyExitCode: null, ...figures, durationMs: Date.now() - t0, reason: verified.error };
      }
      const status: EvalTaskStatus = verified.exitCode === 0 ? 'passed' : 'failed';
      const agentNote = after.status === 'failed' && after.error ? `${after.error}\n` : '';
      await settle(after.status === 'succeeded' ? 'succeeded' : 'failed', after.status === 'failed' ? (after.error ?? undefined) : undefined);
      return {
        ...base,
        status,
        verifyExitCode: verified.exitCode,
        ...figures,
        durationMs: Date.now() - t0,
        ...(status === 'passed' ? {} : { reason: `${agentNote}${verified.tail}`.slice(-2000) }),
      };
    } catch (err) {
      const reason = (err as Error).message;
      if (runId) await finishCliRun(db, { runId, status: 'failed', error: reason }).catch(() => undefined);
      return { ...base, status: 'error', verifyExitCode: null, turns: 0, costUsd: 0, runId, durationMs: Date.now() - t0, reason };
    }
  }
}
