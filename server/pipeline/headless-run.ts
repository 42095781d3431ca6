import { createHash, randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { DB } from '../db/client';
import type { SandboxDriverName } from '../../sandbox/types';
import type { Publisher } from '../realtime/publish';
import { planTasks } from '../planner/plan';
import type { SubmittedTask } from '../planner/validate-plan';
import { git } from '../repos/git';
import { openTaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { createPgContextCache } from '../services/context-cache';
import {
  addCliPlan,
  addCliRunCost,
  CliRunError,
  cliOrganization,
  cliProject,
  cliRunCost,
  cliRunStatus,
  cliRunPullRequests,
  cliRunTasks,
  createCliRun,
  failCliRun,
  findCliRun,
  finishCliRun,
  skipCliTask,
  type CliTaskRow,
} from '../services/cli-runs';
import { orgProviderSettings } from '../services/secrets';
import { loadSkillLibrary } from '../skills/library';
import { scoreSpec, type RepoIndex, type SpecFinding } from '../specs/score';
import type { TaskEnvironment } from '../env/session-setup';
import { startLocalRunner } from '../../jobs/scheduler/local-runner';
import type { ExecutableTask } from '../../jobs/scheduler/types';
import { orgAgentSetup } from './agent-setup';
import { FilePullRequestStore } from './file-pull-request-store';
import { planSpecWithAgent } from './plan-spec';
import { gapFillingObjective, mergeGapFill, planFromImport } from '../specs/import-plan';
import type { ImportedTask } from '../specs/speckit-convert';
import { beginPlanRecording, endPlanRecording } from '../recording/plan';
import { dbPlanRecordingSink } from '../services/recordings';
import { MAX_REMEDIATION_DEPTH } from './remediation';
import { describeAgentEvent, sessionLogLines } from './session-events';
import { createPipelineExecutor, type PipelineTaskOutput } from './task-executor';
import { MAX_HEADLESS_CONCURRENCY } from './limits';

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
  /** The run in the database (absent when the spec was refused: no run was recorded). */
  runId?: string;
  reason?: string;
};

export type HeadlessRunOptions = {
  /** The data directory's database (or DATABASE_URL's), where the run is recorded. */
  db: DB;
  /** Its connection string: the run holds a liveness lock on a connection of its own. */
  databaseUrl: string;
  /** Live events for the web product. */
  publish: Publisher;
  /** The user's repository: only read (through a mirror) and given new `nightshift/*` branches. */
  repo: string;
  /** A new run of this spec; or `resume`. */
  specMarkdown?: string;
  /** The checkout's index: the spec is scored grounded in it (names it gives that do not exist count). */
  specRepo?: RepoIndex;
  /** The spec's own plan (a Spec Kit tasks.md): used instead of the planner, which only fills gaps. */
  importedTasks?: ImportedTask[];
  /** Continue this interrupted CLI run of `repo` (`last`: the newest). */
  resume?: string;
  /** `provider:model` (a resumed run keeps its own unless this names another). */
  modelName?: string;
  /** Points the models at one endpoint (`--base-url`). */
  baseUrl?: string;
  /** The organisation the run belongs to (default: the instance's first; see services/cli-runs). */
  orgSlug?: string;
  /** Mirrors, worktrees and the local pull-request records live here. */
  dataDir: string;
  driver: SandboxDriverName;
  maxQaCycles?: number;
  /** The web tester for QA: the app started from each task's worktree inside its sandbox. */
  webTest?: { startCommand: string; url: string };
  /** The dependency environment of each task (issue 21); none when absent. */
  environment?: (task: ExecutableTask, context: { projectId: string; repository: string }) => TaskEnvironment | null;
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

export { MAX_HEADLESS_CONCURRENCY };

/** Outcome of the run: `refused` when the spec scored below the threshold (nothing else ran). */
export type HeadlessRunResult = { refused: boolean; runId?: string; summary: HeadlessRunSummary; interrupted?: boolean };

/** A stable id for a local repository: the key of its local pull-request records (and dependency cache). */
export function localRepoId(repo: string): string {
  return `local-${createHash('sha256').update(realpathSync(repo)).digest('hex').slice(0, 16)}`;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'dead']);
/** Why a task did not run: a task it depends on did not succeed. */
const SKIPPED_PREFIX = 'depends on ';

/**
 * `nightshift run`: a run like any other, recorded in the data directory's database, driven by
 * this process. Score the spec → plan it with the planner agent → waves → each task through the
 * one task executor (architect → developer ⇄ QA → reviewer in its own worktree and sandbox,
 * checkpointed every turn) → commit, push the branch to the repository, pull request with the
 * verification report (in the database and as a JSON record) → remediation tasks in a later wave.
 *
 * `resume` continues an interrupted run: finished tasks are not run again, a task whose process
 * died is taken over and continues from its last checkpoint (its finished roles are not redone,
 * the interrupted role continues its conversation on the checkpoint's commit).
 *
 * Waves run one after another; within a wave, `concurrency` tasks run at once (default 1: a
 * readable log and one sandbox at a time; with more, each progress line names its task). A task
 * that depends on exactly one earlier task is stacked on that task's branch.
 */
export async function runSpecHeadless(opts: HeadlessRunOptions): Promise<HeadlessRunResult> {
  const log = opts.log ?? (() => undefined);
  const { db } = opts;
  const repo = realpathSync(opts.repo);
  const empty = { tasks: [], pullRequests: [], costUsd: 0 };

  // ---- the run: a new one (spec scored first: a refused spec writes nothing), or a resumed one --
  let fresh: { markdown: string; score: number; findings: SpecFinding[] } | null = null;
  if (!opts.resume) {
    if (opts.specMarkdown === undefined || !opts.modelName) throw new CliRunError('a new run needs a spec and a model');
    const scored = scoreSpec(opts.specMarkdown, opts.specRepo ? { repo: opts.specRepo } : {});
    if (!scored.accepted) {
      return {
        refused: true,
        summary: { status: 'failed', spec: { score: scored.score, findings: scored.findings }, ...empty, reason: `the spec scores ${scored.score}, below the threshold ${scored.threshold} (or has open [NEEDS CLARIFICATION] markers)` },
      };
    }
    log(`spec scores ${scored.score} (threshold ${scored.threshold})`);
    fresh = { markdown: opts.specMarkdown, score: scored.score, findings: scored.findings };
  }

  const repoId = localRepoId(repo);
  const files = new FilePullRequestStore(opts.dataDir);
  const concurrency = Math.max(1, Math.min(MAX_HEADLESS_CONCURRENCY, Math.floor(opts.concurrency ?? 1)));
  /** Each running task's progress lines (named by task when several run at once). */
  const taskLogs = new Map<string, (line: string) => void>();
  const taskLog = (taskId: string) => taskLogs.get(taskId) ?? log;
  const executor = createPipelineExecutor({
    db,
    dataDir: opts.dataDir,
    sandboxDriver: opts.driver,
    webTest: opts.webTest,
    modelBaseUrl: opts.baseUrl,
    maxQaCycles: opts.maxQaCycles,
    // The operator names the repository on the command line: theirs to read.
    repositorySource: async () => operatorRepositorySource(repo),
    pullRequestMirror: () => ({ store: files, projectId: repoId }),
    environment: opts.environment,
    onSessionEvent: (task, e) => sessionLogLines(taskLog(task.id))(e),
  });
  const runner = await startLocalRunner({ db, connectionString: opts.databaseUrl, executor, publish: opts.publish });
  const onAbort = () => runner.stopAll();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let run: { id: string; orgId: string; projectId: string; model: string; base: string; score: number; markdown: string; planned: boolean };
    if (fresh) {
      const org = await cliOrganization(db, opts.orgSlug);
      const base = await currentBranch(repo);
      const project = await cliProject(db, { orgId: org.id, repoPath: repo, defaultBranch: base });
      const ids = await createCliRun(db, { orgId: org.id, projectId: project.id, markdown: fresh.markdown, score: fresh.score, findings: fresh.findings, model: opts.modelName!, baseBranch: base, owner: runner.workerId });
      run = { id: ids.runId, orgId: org.id, projectId: project.id, model: opts.modelName!, base, score: fresh.score, markdown: fresh.markdown, planned: false };
      log(`run ${run.id} (organisation ${org.slug}, project ${project.name}); resume it with: nightshift run --repo ${opts.repo} --resume ${run.id}`);
    } else {
      const found = await findCliRun(db, { runId: opts.resume!, repoPath: repo });
      if (!found) throw new CliRunError(opts.resume === 'last' ? `no CLI run of ${repo} to resume` : `no CLI run ${opts.resume} of ${repo}`);
      const claim = await runner.claimRun(found.id);
      if (!claim.ok) throw new CliRunError(claim.reason);
      if (opts.modelName && opts.modelName !== found.model) throw new CliRunError(`run ${found.id} runs with ${found.model}; resume it without --model or with that model`);
      run = { id: found.id, orgId: found.orgId, projectId: found.projectId, model: found.model, base: found.baseBranch, score: found.specScore, markdown: found.specMarkdown, planned: found.taskCount > 0 };
      log(`resuming run ${run.id}`);
    }
    const spec = { score: run.score };

    // ---- plan: the planner agent reads a worktree of the repository, never the checkout ----
    if (!run.planned) {
      const planned = await plan(run);
      if (!planned.ok) {
        await failCliRun(db, run.id, `planning failed: ${planned.error}`);
        return { refused: false, runId: run.id, summary: { status: 'failed', spec, ...empty, costUsd: planned.costUsd, runId: run.id, reason: `planning failed: ${planned.error}` } };
      }
    }

    // ---- waves: each task through the executor; remediation tasks land in a later wave ----
    let cancelled = false;
    for (;;) {
      if (opts.signal?.aborted) break;
      // Cancelled in the web app: the running task stopped (its lease renewal saw it); stop here too.
      if ((await cliRunStatus(db, run.id)) === 'cancelled') {
        cancelled = true;
        log(`run ${run.id} was cancelled`);
        break;
      }
      const tasks = await cliRunTasks(db, run.id);
      const open = tasks.filter((t) => !FINISHED.has(t.status));
      if (!open.length) break;
      const wave = Math.min(...open.map((t) => t.wave));
      const waveCount = Math.max(...tasks.map((t) => t.wave)) + 1;
      const inWave = tasks.filter((t) => t.wave === wave);
      if (inWave.every((t) => t.status === 'pending')) log(`wave ${wave + 1}/${waveCount}: ${inWave.map((t) => t.key).join(', ')}`);
      const byKey = new Map(tasks.map((t) => [t.key, t]));
      const runnable: CliTaskRow[] = [];
      for (const t of open.filter((x) => x.wave === wave)) {
        const blocker = t.dependsOn.find((d) => d !== t.remediationOf && byKey.get(d)?.status !== 'succeeded');
        if (blocker) {
          const reason = `${SKIPPED_PREFIX}${blocker}, which did not succeed`;
          await skipCliTask(db, t.id, reason);
          log(`task ${t.key} skipped: ${reason}`);
        } else runnable.push(t);
      }
      let next = 0;
      const held: string[] = [];
      const lane = async () => {
        while (next < runnable.length && !opts.signal?.aborted) {
          const t = runnable[next++];
          const line = concurrency > 1 ? (l: string) => log(`[${t.key}] ${l}`) : log;
          taskLogs.set(t.id, line);
          line(`task ${t.key} "${t.title}"`);
          const ending = await runner.runTask(t.id);
          if (ending === 'held') held.push(t.key);
          else await reportTask(t.id, line);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, runnable.length) }, lane));
      if (held.length && (await cliRunStatus(db, run.id)) === 'running') throw new CliRunError(`task ${held.join(', ')} is being run by another live process`);
    }

    // ---- the summary, from the database --------------------------------------------------
    const interrupted = opts.signal?.aborted ?? false;
    const tasks = await cliRunTasks(db, run.id);
    const prs = await cliRunPullRequests(db, run.id);
    const byTask = new Map(prs.map((p) => [p.taskId, p]));
    const summaries: HeadlessTaskSummary[] = tasks
      .filter((t) => FINISHED.has(t.status))
      .map((t) => {
        const out = (t.output ?? {}) as Partial<PipelineTaskOutput>;
        const skipped = t.status === 'cancelled' && (t.error ?? '').startsWith(SKIPPED_PREFIX);
        const status: HeadlessTaskStatus = t.status === 'succeeded' ? 'succeeded' : skipped ? 'skipped' : 'failed';
        return {
          id: t.key,
          title: t.title,
          wave: t.wave,
          status,
          ...(t.branch ? { branch: t.branch } : {}),
          ...(typeof out.cycles === 'number' ? { cycles: out.cycles } : {}),
          ...(t.remediationOf ? { remediationOf: t.remediationOf } : {}),
          ...(status === 'succeeded' ? {} : { reason: t.error ?? 'not finished' }),
          costUsd: t.costUsd,
        };
      });
    const pullRequests: HeadlessPullRequest[] = tasks.flatMap((t) => {
      const p = byTask.get(t.id);
      return p ? [{ branch: p.branch, title: p.title, ...(p.url ? { url: p.url } : {}), report: p.body }] : [];
    });
    const costUsd = await cliRunCost(db, run.id);
    const ok = !interrupted && !cancelled && summaries.length > 0 && summaries.length === tasks.length && summaries.every((t) => t.status === 'succeeded');
    const failed = summaries.filter((t) => t.status !== 'succeeded').map((t) => t.id);
    const reason = ok ? undefined : interrupted || cancelled ? 'cancelled' : `tasks not succeeded: ${failed.join(', ')}`;
    // An interrupted run stays open for --resume; a finished one is settled.
    if (!interrupted) await finishCliRun(db, { runId: run.id, status: ok ? 'succeeded' : 'failed', ...(reason ? { error: reason } : {}) });
    else log(`interrupted: continue with nightshift run --repo ${opts.repo} --resume ${run.id}`);
    return { refused: false, runId: run.id, interrupted, summary: { status: ok ? 'succeeded' : 'failed', spec, tasks: summaries, pullRequests, costUsd, runId: run.id, ...(reason ? { reason } : {}) } };

    async function plan(r: typeof run): Promise<{ ok: true } | { ok: false; error: string; costUsd: number }> {
      log(`planning on a worktree of ${opts.repo} (base ${r.base})`);
      const { env, secrets: orgSecrets } = await orgProviderSettings(db, r.orgId);
      const setup = await orgAgentSetup(db, r.orgId, { taskModel: r.model, env, dataDir: opts.dataDir, baseSkills: loadSkillLibrary(), baseUrl: opts.baseUrl });
      const planner = setup.models.forRole('planner');
      const planId = randomUUID();
      const ws = await openTaskWorkspace({ dataDir: opts.dataDir, repoId: r.projectId, source: operatorRepositorySource(repo), task: { id: planId, slug: 'plan' }, base: r.base });
      let recording: Awaited<ReturnType<typeof beginPlanRecording>> | null = null;
      let planStatus: 'planned' | 'failed' = 'failed';
      try {
        // An imported plan: the team's tasks are the plan; the planner runs only for its gaps.
        const importPlan = opts.importedTasks ? planFromImport(opts.importedTasks) : null;
        if (importPlan) {
          if (importPlan.done.length) log(`already done in tasks.md, not planned: ${importPlan.done.join(', ')}`);
          if (importPlan.tasks.length === 0) return { ok: false, error: 'every imported task is already done', costUsd: 0 };
          if (importPlan.gaps.length === 0) {
            log(`plan from tasks.md: ${importPlan.tasks.map((t) => t.id).join(', ')}`);
            const waves = await planTasks(importPlan.tasks, { repoDir: ws.worktree.path });
            if (!waves.ok) return { ok: false, error: waves.error.message, costUsd: 0 };
            const byId = new Map(importPlan.tasks.map((t) => [t.id, t]));
            await addCliPlan(db, { orgId: r.orgId, runId: r.id, waves: waves.waves, tasks: waves.waves.flatMap((ids, wave) => ids.map((id) => ({ ...byId.get(id)!, wave }))) });
            return { ok: true };
          }
          log(`tasks.md names no files for ${importPlan.gaps.join(', ')}: asking the planner to fill them in`);
        }
        // Recorded like every task (the planner's exchanges and tool calls, redacted), under the run.
        recording = await beginPlanRecording({ sinks: [dbPlanRecordingSink(db, { orgId: r.orgId, runId: r.id })], secrets: [...(opts.secrets ?? []), ...orgSecrets], runId: r.id, planId, specMarkdown: r.markdown, model: planner.modelName, workspace: ws });
        const planned = await planSpecWithAgent({
          specMarkdown: r.markdown,
          ...(importPlan ? { objective: gapFillingObjective(r.markdown, importPlan) } : {}),
          model: planner.model,
          modelName: planner.modelName,
          workspace: ws.worktree.path,
          cache: createPgContextCache(db),
          skills: setup.skills,
          promptDirs: setup.promptDirs,
          secrets: opts.secrets,
          signal: opts.signal,
          recording,
          onEvent: (e) => {
            const line = describeAgentEvent(e);
            if (line) log(`  [planner] ${line}`);
          },
        });
        if (!planned.ok) return { ok: false, error: planned.error, costUsd: 0 };
        planStatus = 'planned';
        await addCliRunCost(db, r.id, planned.costUsd);
        const plannedTasks: SubmittedTask[] = importPlan ? mergeGapFill(importPlan, planned.tasks).tasks : planned.tasks;
        log(`plan accepted: ${plannedTasks.map((t) => `${t.id} "${t.title}"`).join(', ')}`);
        const waves = await planTasks(plannedTasks, { repoDir: ws.worktree.path });
        if (!waves.ok) return { ok: false, error: waves.error.message, costUsd: planned.costUsd };
        const byId = new Map<string, SubmittedTask>(plannedTasks.map((t) => [t.id, t]));
        await addCliPlan(db, {
          orgId: r.orgId,
          runId: r.id,
          waves: waves.waves,
          tasks: waves.waves.flatMap((ids, wave) => ids.map((id) => ({ ...byId.get(id)!, wave }))),
        });
        return { ok: true };
      } finally {
        if (recording) for (const e of await endPlanRecording(recording, planStatus)) log(`the planner's recording was not fully stored: ${e}`);
        await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
        // The planner's branch only existed to give it a worktree.
        await git(['branch', '-D', ws.worktree.branch], { cwd: ws.mirror.path }).catch(() => undefined);
      }
    }

    async function reportTask(taskId: string, line: (l: string) => void): Promise<void> {
      const t = (await cliRunTasks(db, run.id)).find((x) => x.id === taskId);
      if (!t) return;
      const out = (t.output ?? {}) as Partial<PipelineTaskOutput>;
      if (t.status === 'succeeded' || (t.status === 'failed' && out.cycles !== undefined)) {
        const pr = out.pullRequestId && t.branch ? `pull request on ${t.branch} (${files.pathFor(repoId, t.branch)})` : 'no changes, no pull request';
        line(`  task ${t.key}: ${out.approved ? 'approved' : 'failed'} after ${out.cycles} ${out.cycles === 1 ? 'cycle' : 'cycles'}; ${pr}`);
      } else if (FINISHED.has(t.status)) {
        line(`  task ${t.key} ${t.status}: ${t.error ?? ''}`);
      } else if (t.status === 'queued') {
        line(`  task ${t.key} will be retried: ${t.error ?? ''}`);
      }
      if (out.remediation) line(`  task ${t.key}: ${out.remediation} ${out.remediation === 1 ? 'finding' : 'findings'} outside its scope → remediation task ${t.key}-fix`);
      if (out.remediationWithheld) line(`  task ${t.key}: ${out.remediationWithheld} out-of-task findings stay in its report (remediation depth ${MAX_REMEDIATION_DEPTH} reached)`);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }
}

/** The branch checked out in the user's repository: tasks start from it. */
export async function currentBranch(repo: string): Promise<string> {
  try {
    return (await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo })).trim();
  } catch {
    throw new CliRunError(`${repo} has a detached HEAD; check out the branch the tasks should start from`);
  }
}
