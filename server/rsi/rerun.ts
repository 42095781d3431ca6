import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxDriverName } from '../../sandbox/types';
import { startLocalRunner } from '../../jobs/scheduler/local-runner';
import type { Budgets } from '../agent/budgets';
import type { DB } from '../db/client';
import type { RsiRerun } from '../db/schema';
import { projectEnvironments } from '../env/project-environment';
import { githubAuthFromSettings } from '../github/github-auth';
import type { AgentSettingsOverlay } from '../pipeline/agent-setup';
import { createPipelineExecutor } from '../pipeline/task-executor';
import type { Publisher } from '../realtime/publish';
import { git } from '../repos/git';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { registerRepository } from '../repos/mirror';
import { addCliPlan, cliRunTasks, cliTaskUsage, createCliRun, finishCliRun, skipCliTask } from '../services/cli-runs';
import { evalProject } from '../services/evals';
import { repositorySourceFor } from '../services/repositories';
import { rerunSourceOf } from '../services/rsi';
import { orgProviderSettings } from '../services/secrets';
import { scoreSpec } from '../specs/score';

/**
 * Re-runs an observed failing run that was not an eval attempt: its (first failed) task, with the
 * same spec, on the same base, with a proposal laid over the organisation's prompts and skills.
 * It runs on a scratch copy of the project's repository (a bare repository made from the project's
 * mirror, under the data directory), so nothing is pushed to the team's remote and no pull request
 * is opened; the re-run is a run of its own in a project named after the original. It passed when
 * the task succeeded (in pipeline mode: QA passed and the reviewer approved).
 */

export async function rerunFailedRun(opts: {
  db: DB;
  databaseUrl: string;
  dataDir: string;
  orgId: string;
  runId: string;
  model: string;
  baseUrl?: string;
  mode: 'agent' | 'pipeline';
  driver: SandboxDriverName;
  publish: Publisher;
  overlay: AgentSettingsOverlay;
  setupDependencies?: boolean;
  budgets?: Partial<Budgets>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<{ rerun: RsiRerun; costUsd: number }> {
  const { db, orgId, runId } = opts;
  const log = opts.log ?? (() => undefined);
  const source = await rerunSourceOf(db, { orgId, runId });
  if (!source) return { rerun: { runId, target: `run:${runId}`, status: 'skipped', reason: 'the run or its project no longer exists' }, costUsd: 0 };
  const target = `run:${source.projectName}/${source.task?.title ?? source.specTitle}`.slice(0, 200);
  if (!source.task) return { rerun: { runId, target, status: 'skipped', reason: 'the run has no task to re-run' }, costUsd: 0 };

  // ---- a scratch copy of the project's repository: the branches upstream has, nothing else ----
  let scratch: string;
  try {
    const checked = await repositorySourceFor(db, { orgId, projectId: source.projectId, repository: source.repository, dataDir: opts.dataDir });
    const { env } = await orgProviderSettings(db, orgId);
    const github = await githubAuthFromSettings(orgId, env);
    const mirror = await registerRepository({ dataDir: opts.dataDir, repoId: source.projectId, source: checked.url, token: github.token });
    scratch = join(opts.dataDir, 'rsi', orgId, 'reruns', `${source.projectId}.git`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    await git(['init', '--bare', '--quiet', scratch]);
    await git(['fetch', '--quiet', '--no-tags', mirror.path, '+refs/remotes/origin/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], { cwd: scratch });
    await git(['update-ref', '-d', 'refs/heads/HEAD'], { cwd: scratch }).catch(() => undefined);
    await git(['symbolic-ref', 'HEAD', `refs/heads/${source.baseBranch ?? source.defaultBranch}`], { cwd: scratch });
    if (!existsSync(join(scratch, 'HEAD'))) throw new Error('the scratch copy was not made');
  } catch (err) {
    return { rerun: { runId, target, status: 'error', reason: `could not copy the project's repository: ${(err as Error).message}` }, costUsd: 0 };
  }

  const project = await evalProject(db, { orgId, repoPath: scratch, name: `re-run of ${source.projectName}`, settings: source.projectSettings });
  const executor = createPipelineExecutor({
    db,
    dataDir: opts.dataDir,
    sandboxDriver: opts.driver,
    mode: opts.mode,
    modelBaseUrl: opts.baseUrl,
    budgets: opts.budgets,
    pullRequests: false,
    agentOverlay: opts.overlay,
    // Only the scratch copy this re-run made, whatever the project row says meanwhile.
    repositorySource: async () => operatorRepositorySource(scratch),
    environment: opts.setupDependencies !== false && opts.driver !== 'none' ? projectEnvironments(db, opts.dataDir, opts.driver) : undefined,
  });
  const runner = await startLocalRunner({ db, connectionString: opts.databaseUrl, executor, publish: opts.publish });
  const onAbort = () => runner.stopAll();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let newRunId: string | null = null;
  try {
    const ids = await createCliRun(db, {
      orgId,
      projectId: project.id,
      title: `re-run of ${source.specTitle}`.slice(0, 200),
      markdown: source.specMarkdown,
      score: scoreSpec(source.specMarkdown).score,
      findings: [],
      model: opts.model,
      baseBranch: source.baseBranch ?? source.defaultBranch,
      owner: runner.workerId,
    });
    newRunId = ids.runId;
    log(`re-running run ${runId} ("${source.task.title}") as run ${newRunId}`);
    await addCliPlan(db, { orgId, runId: newRunId, waves: [['T1']], tasks: [{ id: 'T1', title: source.task.title, description: source.task.description, files: source.task.files, dependsOn: [], wave: 0 }] });
    const [row] = await cliRunTasks(db, newRunId);
    await runner.runTask(row.id);
    const [after] = await cliRunTasks(db, newRunId);
    const usage = await cliTaskUsage(db, after.id);
    if (after.status !== 'succeeded' && after.status !== 'failed') {
      await skipCliTask(db, after.id, 'the calibration ended');
      await finishCliRun(db, { runId: newRunId, status: 'failed', error: `the re-run ended ${after.status}` });
      return { rerun: { runId, target, status: 'error', reason: `the re-run ended ${after.status}${after.error ? `: ${after.error}` : ''}`, newRunId }, costUsd: usage.costUsd };
    }
    const passed = after.status === 'succeeded';
    await finishCliRun(db, { runId: newRunId, status: after.status, ...(after.error ? { error: after.error } : {}) });
    return { rerun: { runId, target, status: passed ? 'passed' : 'failed', newRunId, ...(passed ? {} : { reason: (after.error ?? 'the task failed').split('\n')[0].slice(0, 300) }) }, costUsd: usage.costUsd };
  } catch (err) {
    if (newRunId) await finishCliRun(db, { runId: newRunId, status: 'failed', error: (err as Error).message }).catch(() => undefined);
    return { rerun: { runId, target, status: 'error', reason: (err as Error).message, newRunId }, costUsd: 0 };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }
}
