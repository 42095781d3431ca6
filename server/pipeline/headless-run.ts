import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { LanguageModel } from '../llm';
import type { Sandbox, SandboxDriverName } from '../../sandbox/types';
import { createMemoryContextCache } from '../agent/context-cache';
import { planTasks } from '../planner/plan';
import type { SubmittedTask } from '../planner/validate-plan';
import { slugify } from '../repos/branch-name';
import { git } from '../repos/git';
import { openTaskWorkspace, type TaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { loadSkillLibrary } from '../skills/library';
import { scoreSpec, type SpecFinding } from '../specs/score';
import { acceptanceCriteriaOf } from './acceptance';
import { FilePullRequestStore } from './file-pull-request-store';
import { planSpecWithAgent } from './plan-spec';
import { MAX_REMEDIATION_DEPTH, remediationTask } from './remediation';
import { checkoutFiles, startTaskSandbox } from './session-resources';
import { describeAgentEvent, sessionLogLines } from './session-events';
import { catalogueViability } from '../viability/session-hooks';
import { runTaskSession } from './task-session';
import type { Finding } from './types';

/** Who the commits are from (the same identity as the scheduler's executor, which needs a database to import). */


export type HeadlessTaskStatus = 'succeeded' | 'failed' | 'skipped';

export type HeadlessTaskSummary = {
  id: string;
  title: string;
  /** 0-based wave the task ran in. */
  wave: number;
  status: HeadlessTaskStatus;
  branch?: string;
  /** QA → developer cycles the pipeline used. */
  cycles?: number;
  /** The task whose QA or review split this one off, for remediation tasks. */
  remediationOf?: string;
  reason?: string;
  costUsd: number;
};

export type HeadlessPullRequest = { branch: string; title: string; url?: string; report: string };

/** The summary `nightshift run` prints as its last line. */
export type HeadlessRunSummary = {
  status: 'succeeded' | 'failed';
  spec: { score: number; findings?: SpecFinding[] };
  tasks: HeadlessTaskSummary[];
  pullRequests: HeadlessPullRequest[];
  costUsd: number;
  reason?: string;
};

export type HeadlessRunOptions = {
  /** The user's repository: only read (through a mirror) and given new `nightshift/*` branches. */
  repo: string;
  specMarkdown: string;
  model: LanguageModel;
  modelName: string;
  /** Mirrors, worktrees and the local pull-request records live here. */
  dataDir: string;
  driver: SandboxDriverName;
  maxQaCycles?: number;
  /** The web tester for QA: the app started from each task's worktree inside its sandbox. */
  webTest?: { startCommand: string; url: string };
  secrets?: string[];
  signal?: AbortSignal;
  /** Progress, one line at a time (the CLI writes it to stderr). */
  log?: (line: string) => void;
  /**
   * How many tasks of one wave run at once, each in its own worktree and sandbox (default 1).
   * A wave's tasks touch different files by construction; waves still run one after another.
   */
  concurrency?: number;
};

/** The most tasks a headless run starts at once: each holds a sandbox and a worktree. */
export const MAX_HEADLESS_CONCURRENCY = 8;

type PlannedTask = SubmittedTask & { remediationOf?: string; depth: number };

/** Outcome of the run: `refused` when the spec scored below the threshold (nothing else ran). */
export type HeadlessRunResult = { refused: boolean; summary: HeadlessRunSummary };


/** A stable id for a local repository: its mirror is reused by every run on the same checkout. */
export function localRepoId(repo: string): string {
  return `local-${createHash('sha256').update(realpathSync(repo)).digest('hex').slice(0, 16)}`;
}


/**
 * The whole flow without a database, in this process: score the spec → plan it with the planner
 * agent → waves → each task through architect → developer ⇄ QA → reviewer in its own worktree and
 * sandbox → commit, push the branch to the repository, local pull-request record with the
 * verification report → remediation tasks planned into a later wave and run.
 *
 * Waves run one after another; within a wave, `concurrency` tasks run at once (default 1: a
 * readable log and one sandbox at a time; with more, each progress line names its task). A task
 * that depends on exactly one earlier task is stacked on that task's branch, so it sees the work
 * it depends on.
 */
export async function runSpecHeadless(opts: HeadlessRunOptions): Promise<HeadlessRunResult> {
  const log = opts.log ?? (() => undefined);
  const scored = scoreSpec(opts.specMarkdown);
  const empty = { tasks: [], pullRequests: [], costUsd: 0 };
  if (!scored.accepted) {
    return {
      refused: true,
      summary: { status: 'failed', spec: { score: scored.score, findings: scored.findings }, ...empty, reason: `the spec scores ${scored.score}, below the threshold ${scored.threshold} (or has open [NEEDS CLARIFICATION] markers)` },
    };
  }
  log(`spec scores ${scored.score} (threshold ${scored.threshold})`);
  const spec = { score: scored.score };
  const criteria = acceptanceCriteriaOf(opts.specMarkdown);
  const base = await currentBranch(opts.repo);
  const repoId = localRepoId(opts.repo);
  const runId = randomUUID();
  const cache = createMemoryContextCache();
  const skills = loadSkillLibrary();
  const store = new FilePullRequestStore(opts.dataDir);
  let costUsd = 0;

  // ---- plan: the planner agent reads a worktree of the repository, never the checkout ----
  log(`planning on a worktree of ${opts.repo} (base ${base})`);
  const planWs = await openTaskWorkspace({ dataDir: opts.dataDir, repoId, source: operatorRepositorySource(opts.repo), task: { id: randomUUID(), slug: 'plan' }, base });
  let waves: PlannedTask[][];
  try {
    const planned = await planSpecWithAgent({
      specMarkdown: opts.specMarkdown,
      model: opts.model,
      modelName: opts.modelName,
      workspace: planWs.worktree.path,
      cache,
      skills,
      secrets: opts.secrets,
      signal: opts.signal,
      onEvent: (e) => {
        const line = describeAgentEvent(e);
        if (line) log(`  [planner] ${line}`);
      },
    });
    if (!planned.ok) return { refused: false, summary: { status: 'failed', spec, ...empty, reason: `planning failed: ${planned.error}` } };
    costUsd += planned.costUsd;
    log(`plan accepted: ${planned.tasks.map((t) => `${t.id} "${t.title}"`).join(', ')}`);
    const plan = await planTasks(planned.tasks, { repoDir: planWs.worktree.path });
    if (!plan.ok) return { refused: false, summary: { status: 'failed', spec, ...empty, costUsd, reason: `planning failed: ${plan.error.message}` } };
    const byId = new Map(planned.tasks.map((t) => [t.id, t]));
    waves = plan.waves.map((ids) => ids.map((id) => ({ ...byId.get(id)!, depth: 0 })));
  } finally {
    await removeWorktree(planWs.mirror, planWs.worktree).catch(() => undefined);
    // The planner's branch only existed to give it a worktree.
    await git(['branch', '-D', planWs.worktree.branch], { cwd: planWs.mirror.path }).catch(() => undefined);
  }

  // ---- waves: each task through the pipeline; remediation goes into a later wave ----------
  const tasks: HeadlessTaskSummary[] = [];
  const pullRequests: HeadlessPullRequest[] = [];
  const done = new Map<string, HeadlessTaskSummary>();
  const concurrency = Math.max(1, Math.min(MAX_HEADLESS_CONCURRENCY, Math.floor(opts.concurrency ?? 1)));
  for (let w = 0; w < waves.length; w++) {
    log(`wave ${w + 1}/${waves.length}: ${waves[w].map((t) => t.id).join(', ')}`);
    const fixes: PlannedTask[] = [];
    // A wave's tasks depend only on earlier waves, so what each starts from is known up front.
    type Slot = { task: PlannedTask; skipped?: HeadlessTaskSummary; taskBase: string; outcome?: Awaited<ReturnType<typeof runOneTask>> };
    const slots: Slot[] = waves[w].map((task) => {
      const blocker = task.dependsOn.find((d) => d !== task.remediationOf && done.get(d)?.status !== 'succeeded');
      if (blocker) {
        const skipped: HeadlessTaskSummary = { id: task.id, title: task.title, wave: w, status: 'skipped', reason: `depends on ${blocker}, which did not succeed`, costUsd: 0, ...(task.remediationOf ? { remediationOf: task.remediationOf } : {}) };
        return { task, skipped, taskBase: base };
      }
      // Stacked on its single dependency's branch (pushed to the repository by then), so the
      // task's worktree holds the work it builds on.
      const depBranches = task.dependsOn.map((d) => done.get(d)?.branch).filter((b): b is string => !!b);
      if (depBranches.length > 1) log(`  task ${task.id} depends on ${depBranches.length} branches; it starts from ${base} (branches are not merged in a headless run)`);
      return { task, taskBase: depBranches.length === 1 ? depBranches[0] : base };
    });
    for (const slot of slots) if (slot.skipped) log(`task ${slot.task.id} skipped: ${slot.skipped.reason}`);
    const runnable = slots.filter((slot) => !slot.skipped);
    let next = 0;
    const lane = async () => {
      while (next < runnable.length && !opts.signal?.aborted) {
        const slot = runnable[next++];
        const taskLog = concurrency > 1 ? (line: string) => log(`[${slot.task.id}] ${line}`) : log;
        slot.outcome = await runOneTask(slot.task, w, slot.taskBase, taskLog);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, runnable.length) }, lane));
    // Results in plan order, whatever order the tasks finished in.
    for (const slot of slots) {
      const task = slot.task;
      if (slot.skipped) {
        tasks.push(slot.skipped);
        done.set(task.id, slot.skipped);
        continue;
      }
      const outcome = slot.outcome;
      if (!outcome) continue; // not started: the run was cancelled
      costUsd += outcome.summary.costUsd;
      tasks.push(outcome.summary);
      done.set(task.id, outcome.summary);
      if (outcome.pullRequest) pullRequests.push(outcome.pullRequest);
      if (outcome.remediation.length) {
        const fix = remediationTask({ key: task.id, title: task.title }, outcome.remediation);
        fixes.push({ id: fix.key, title: fix.title, description: fix.description, dependsOn: fix.dependsOn, files: fix.files.length ? fix.files : task.files, remediationOf: task.id, depth: task.depth + 1 });
        log(`  task ${task.id}: ${outcome.remediation.length} findings outside its scope → remediation task ${fix.key}`);
      }
    }
    if (fixes.length) {
      // Planned among themselves (their origins are done): same-file fixes go into separate waves.
      const plan = await planTasks(fixes.map((f) => ({ ...f, dependsOn: f.dependsOn.filter((d) => fixes.some((x) => x.id === d)) })));
      const later = plan.ok ? plan.waves.map((ids) => ids.map((id) => fixes.find((f) => f.id === id)!)) : fixes.map((f) => [f]);
      waves.splice(w + 1, 0, ...later);
    }
  }

  const stopped = opts.signal?.aborted;
  const ok = !stopped && tasks.length > 0 && tasks.every((t) => t.status === 'succeeded');
  const failed = tasks.filter((t) => t.status !== 'succeeded').map((t) => t.id);
  return {
    refused: false,
    summary: {
      status: ok ? 'succeeded' : 'failed',
      spec,
      tasks,
      pullRequests,
      costUsd,
      ...(ok ? {} : { reason: stopped ? 'cancelled' : `tasks not succeeded: ${failed.join(', ')}` }),
    },
  };

  async function runOneTask(
    task: PlannedTask,
    wave: number,
    taskBase: string,
    log: (line: string) => void,
  ): Promise<{ summary: HeadlessTaskSummary; pullRequest?: HeadlessPullRequest; remediation: Finding[] }> {
    const taskId = randomUUID();
    const extra = task.remediationOf ? { remediationOf: task.remediationOf } : {};
    log(`task ${task.id} "${task.title}"`);
    let ws: TaskWorkspace | null = null;
    let sandbox: Sandbox | null = null;
    try {
      ws = await openTaskWorkspace({ dataDir: opts.dataDir, repoId, source: operatorRepositorySource(opts.repo), task: { id: taskId, slug: slugify(task.title), files: checkoutFiles(task.files, {}) }, base: taskBase });
      const workspace = ws.worktree.path;
      log(`  worktree ${workspace} on branch ${ws.worktree.branch}`);
      sandbox = await startTaskSandbox({ driver: opts.driver, workspace: ws });
      if (!sandbox.isolated) log('  WARNING: sandbox driver "none" runs commands on the host without isolation');
      const session = await runTaskSession({
        task: { id: taskId, key: task.id, title: task.title, description: task.description, files: task.files, runId, remediationDepth: task.depth },
        acceptanceCriteria: criteria,
        workspace: ws,
        sandbox,
        models: { name: opts.modelName, model: opts.model, forRole: () => ({ model: opts.model, modelName: opts.modelName }) },
        publish: sessionLogLines(log),
        delivery: { pullRequest: { store, projectId: repoId } },
        viability: catalogueViability(),
        cache,
        skills,
        secrets: opts.secrets,
        webTest: opts.webTest ? { appUrl: opts.webTest.url, startCommand: opts.webTest.startCommand, screenshotDir: join(opts.dataDir, 'screenshots', taskId) } : null,
        maxQaCycles: opts.maxQaCycles,
        signal: opts.signal,
      });
      ws = null; // the session's finish removed the worktree
      const result = session.pipeline;
      const approved = session.approved;
      const branch = session.branch;
      const pr = session.pullRequest;
      log(`  task ${task.id}: ${result.status} after ${result.cycles.length} cycles; ${pr ? `pull request on ${branch} (${store.pathFor(repoId, branch)})` : `no changes, no pull request`}`);
      if (session.remediationWithheld.length) log(`  task ${task.id}: ${session.remediationWithheld.length} out-of-task findings stay in its report (remediation depth ${MAX_REMEDIATION_DEPTH} reached)`);
      return {
        summary: {
          id: task.id,
          title: task.title,
          wave,
          status: approved ? 'succeeded' : 'failed',
          branch,
          cycles: result.cycles.length,
          ...extra,
          ...(approved ? {} : { reason: result.reason ?? 'QA and review did not converge' }),
          costUsd: session.usage.costUsd,
        },
        ...(pr ? { pullRequest: { branch: pr.branch, title: pr.title, ...(pr.url ? { url: pr.url } : {}), report: pr.body } } : {}),
        remediation: session.remediation,
      };
    } catch (err) {
      const reason = (err as Error).message;
      log(`  task ${task.id} failed: ${reason}`);
      return { summary: { id: task.id, title: task.title, wave, status: 'failed', reason, costUsd: 0, ...extra }, remediation: [] };
    } finally {
      await sandbox?.stop().catch(() => undefined);
      if (ws) await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
    }
  }
}

/** The branch checked out in the user's repository: tasks start from it. */
async function currentBranch(repo: string): Promise<string> {
  try {
    return (await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo })).trim();
  } catch {
    throw new Error(`${repo} has a detached HEAD; check out the branch the tasks should start from`);
  }
}
