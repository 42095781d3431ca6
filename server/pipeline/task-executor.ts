import path from 'node:path';
import type { DB } from '../db/client';
import { parseDriver } from '../../sandbox/index';
import type { Sandbox } from '../../sandbox/types';
import type { Budgets } from '../agent/budgets';
import { secretValuesFromEnv } from '../agent/redact';
import { githubAuthFromSettings } from '../github/github-auth';
import { createMcpClientManager, type McpClientManager } from '../mcp/client-manager';
import { slugify } from '../repos/branch-name';
import type { PullRequestStore } from '../repos/pull-requests';
import type { RepositorySource } from '../repos/local-repo-policy';
import { EnvironmentSetupError, type TaskEnvironment } from '../env/session-setup';
import { openTaskWorkspace, type TaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { recordTokenUsage } from '../services/billing';
import { takeChatMessagesForTask } from '../services/chat';
import { createPgContextCache } from '../services/context-cache';
import { loadProjectMcpServers } from '../services/mcp-servers';
import { createPullRequestStore } from '../services/pull-requests';
import { orgProviderSettings } from '../services/secrets';
import { repositorySourceFor } from '../services/repositories';
import { addRemediationTask, loadTaskContext, pullRequestIdForBranch } from '../services/task-context';
import { loadSkillLibrary } from '../skills/library';
import { createMcpTools } from '../tools/mcp-tools';
import type { ExecutableTask, ExecutorContext, TaskExecutor, TaskResult } from '../../jobs/scheduler/types';
import { acceptanceCriteriaOf } from './acceptance';
import { orgAgentSetup, type AgentSettingsOverlay } from './agent-setup';
import { remediationTask } from './remediation';
import { checkoutFiles, startTaskSandbox } from './session-resources';
import { realtimeSessionPublisher } from './session-events';
import { projectViability } from '../viability/session-hooks';
import { addLogSecrets, getLogger, setLogContext } from '../observability/logger';
import { httpPort, publicUrl } from '../config';
import { createTaskRecording, type TaskRecording, type TaskRecordingOptions } from '../recording/recorder';
import type { RecordingSink } from '../recording/types';
import { dbRecordingSink, loadTaskRecording, orgSlug } from '../services/recordings';
import { runTaskSession, type SessionEvent, type SessionState, type TaskSessionResult } from './task-session';

export { orgAgentSetup } from './agent-setup';

/**
 * How QA reaches the project's UI: project settings `webTest: { startCommand, url }` start the app
 * from the worktree inside the sandbox; a fixed base URL (an operator's staging app) also works.
 */
function webTestFor(settings: unknown, deps: { webTestBaseUrl?: string; webTest?: { startCommand: string; url: string } }, screenshotDir: string) {
  const w = deps.webTest ?? (settings as { webTest?: { startCommand?: string; url?: string } } | null)?.webTest;
  if (w?.startCommand && w.url) return { appUrl: w.url, startCommand: w.startCommand, screenshotDir };
  return deps.webTestBaseUrl ? { baseUrl: deps.webTestBaseUrl, screenshotDir } : null;
}

export type PipelineExecutorDeps = {
  db: DB;
  dataDir: string;
  /** `auto` (default: SANDBOX_DRIVER), `docker`, `bwrap` or `none`. */
  sandboxDriver?: string;
  /** QA's web tester on an app already answering here. */
  webTestBaseUrl?: string;
  /** QA's web tester on the app `startCommand` starts from the worktree (the CLI's --web-start/--web-url). */
  webTest?: { startCommand: string; url: string };
  /** Points every model at one endpoint (the CLI's --base-url). */
  modelBaseUrl?: string;
  /** `agent`: the developer alone, no pull request (`nightshift agent`). */
  mode?: 'pipeline' | 'agent';
  budgets?: Partial<Budgets>;
  maxQaCycles?: number;
  /** Progress besides the live events (the CLI's stderr lines). */
  onSessionEvent?: (task: ExecutableTask, event: SessionEvent) => void;
  /** False: the result is committed and pushed to its branch, no pull request is opened (evals). */
  pullRequests?: boolean;
  /** Another place each pull request is recorded (the CLI's JSON records under the data directory). */
  pullRequestMirror?: (projectId: string) => { store: PullRequestStore; projectId: string };
  /**
   * More for a task's recording (issue 15) — the database recording is always made: files it is
   * also written to (`nightshift agent --record`), a recording whose answers replace the models'
   * (`--replay`), and a look at the recording once it exists (replay statistics).
   */
  recording?: (task: ExecutableTask) => TaskRecordingExtras | undefined;
  /** The web app's address, for the links a verification report gives (default NEXTAUTH_URL, else localhost). */
  publicUrl?: string;
  /**
   * The task's dependency environment (issue 21): its sandbox mounts the cached dependencies, it is
   * set up before the first role, and the agents get `install_dependencies`.
   */
  environment?: (task: ExecutableTask, context: { projectId: string; repository: string }) => TaskEnvironment | null;
  /**
   * The repository to open. Default: the project's, checked against the local-repository policy
   * for its organisation. The CLI passes the operator's own checkout.
   */
  repositorySource?: (context: { orgId: string; projectId: string; repository: string }) => Promise<RepositorySource>;
  /** Prompt and skill texts laid over the organisation's for these tasks only (a calibration's candidate). */
  agentOverlay?: AgentSettingsOverlay;
};

export type TaskRecordingExtras = {
  sinks?: RecordingSink[];
  replay?: TaskRecordingOptions['replay'];
  onRecording?: (recording: TaskRecording) => void;
};

/** What the executor returns in `TaskResult.output`: read back by the CLI's summary. */
export type PipelineTaskOutput = {
  pullRequestId: string | null;
  cycles: number;
  costUsd: number;
  approved: boolean;
  /** Whether the final commit holds changes (false: the agent changed nothing), and that commit. */
  committed: boolean;
  commitSha: string;
  reason?: string;
  /** Findings split into a remediation task, and findings left in the report at the depth cap. */
  remediation: number;
  remediationWithheld: number;
  agent?: TaskSessionResult['agent'];
  /** Model turns of every role together. */
  turns: number;
  /** Prompt id → version the roles ran with. */
  promptVersions: Record<string, string>;
  /** The environment setups of the task, one line each. */
  environment?: string[];
};

/**
 * The production task executor — the one the scheduler, `nightshift run` and `nightshift agent`
 * use: it loads the task's context, opens its worktree (at the last checkpoint's commit when
 * resuming) and sandbox, and runs {@link runTaskSession} with the checkpoint store and side-effect
 * log of `ctx`. The database follow-ups (the pull request's id, a remediation task, token usage)
 * are recorded once each.
 */
export function createPipelineExecutor(deps: PipelineExecutorDeps): TaskExecutor {
  const skills = loadSkillLibrary();
  const driver = parseDriver(deps.sandboxDriver ?? process.env.SANDBOX_DRIVER);
  return async (task: ExecutableTask, ctx: ExecutorContext): Promise<TaskResult> => {
    const db = deps.db;
    const context = await loadTaskContext(db, { orgId: task.orgId, runId: task.runId, taskId: task.id });
    const criteria = acceptanceCriteriaOf(context.specMarkdown);
    const { env, secrets } = await orgProviderSettings(db, task.orgId);
    const agentSetup = await orgAgentSetup(db, task.orgId, { taskModel: task.model, env, dataDir: deps.dataDir, baseSkills: skills, baseUrl: deps.modelBaseUrl, overlay: deps.agentOverlay });
    const allSecrets = [...secrets, ...secretValuesFromEnv()];
    const live = realtimeSessionPublisher({ runId: task.runId, taskId: task.id }, (e) => void ctx.publish(e).catch(() => undefined));
    // Log lines of the session carry the role it is in (the task's ids are bound by the caller).
    const roleLog = getLogger({ component: 'pipeline' });
    const logRole = (e: SessionEvent) => {
      if (e.type === 'role.start') {
        setLogContext({ role: e.role });
        roleLog.info({ role: e.role, cycle: e.cycle }, 'role started');
      } else if (e.type === 'role.end') {
        roleLog.info({ role: e.role, cycle: e.cycle, status: e.outcome.status }, 'role ended');
        setLogContext({ role: undefined });
      }
    };
    const initial = ctx.checkpoint ? { seq: ctx.checkpoint.turn, state: (ctx.checkpoint.state ?? {}) as SessionState } : null;

    let ws: TaskWorkspace | null = null;
    let sandbox: Sandbox | null = null;
    let mcp: McpClientManager | null = null;
    let recording: TaskRecording | null = null;
    const environment = deps.environment?.(task, { projectId: context.projectId, repository: context.repository }) ?? null;
    const environmentLines = () => (environment?.results.some((r) => r.status !== 'none') ? { environment: environment.reportLines() } : {});
    try {
      // The project's MCP servers, loaded progressively: a registry line each, tools on demand.
      const mcpServers = await loadProjectMcpServers(db, task.orgId, context.projectId);
      if (mcpServers.length) mcp = createMcpClientManager(mcpServers);
      // The GitHub App installation token (else GITHUB_TOKEN) for fetch, push and the pull request:
      // registered for redaction before any agent runs, and never put in the sandbox's env.
      const github = await githubAuthFromSettings(task.orgId, env);
      allSecrets.push(...github.secrets);
      // The organisation's keys and tokens are kept out of every log line of this process too.
      addLogSecrets(allSecrets);
      // Every run is recorded (a resumed task continues its recording), redacted with every secret above.
      const extras = deps.recording?.(task);
      recording = createTaskRecording({
        secrets: allSecrets,
        sinks: [dbRecordingSink(db, { orgId: task.orgId, runId: task.runId, taskId: task.id }), ...(extras?.sinks ?? [])],
        replay: extras?.replay,
        previous: initial ? await loadTaskRecording(db, { orgId: task.orgId, taskId: task.id }) : null,
      });
      extras?.onRecording?.(recording);
      const appUrl = (deps.publicUrl ?? publicUrl(httpPort())).replace(/\/+$/, '');
      const slug = await orgSlug(db, task.orgId);
      const source = deps.repositorySource
        ? await deps.repositorySource({ orgId: task.orgId, projectId: context.projectId, repository: context.repository })
        : await repositorySourceFor(db, { orgId: task.orgId, projectId: context.projectId, repository: context.repository, dataDir: deps.dataDir });
      ws = await openTaskWorkspace({
        dataDir: deps.dataDir,
        repoId: context.projectId,
        source,
        token: github.token,
        task: { id: task.id, slug: slugify(task.title), files: checkoutFiles(task.files, context.projectSettings) },
        base: context.base,
        at: initial?.state.commit,
      });
      sandbox = await startTaskSandbox({ driver, workspace: ws, environment });

      const mirror = deps.pullRequestMirror?.(context.projectId);
      const dbStore = createPullRequestStore(db, { orgId: task.orgId, runId: task.runId, taskId: task.id });
      const session = await runTaskSession({
        task: { id: task.id, key: task.key, title: task.title, description: task.description, files: task.files, runId: task.runId, remediationDepth: context.remediationOf ? 1 : 0 },
        acceptanceCriteria: criteria,
        mode: deps.mode,
        workspace: ws,
        sandbox,
        models: agentSetup.models,
        publish: (e) => {
          logRole(e);
          live(e);
          deps.onSessionEvent?.(task, e);
        },
        checkpoints: { initial, save: (seq, state) => ctx.saveCheckpoint(seq, state) },
        commitOnce: ctx.commitOnce,
        delivery: {
          pullRequest: deps.pullRequests === false ? undefined : { store: mirror ? mirroredStore(dbStore, mirror.store, context.projectId, mirror.projectId) : dbStore, projectId: context.projectId, githubApiUrl: github.apiUrl, githubHost: github.host },
          // Resolved each time: a long task can outlive the installation token it started with.
          token: async () => (await githubAuthFromSettings(task.orgId, env)).token,
        },
        recorder: recording,
        links: { command: (seq) => `${appUrl}/o/${slug}/runs/${task.runId}?task=${task.id}&record=${seq}#recording` },
        viability: await projectViability(db, { orgId: task.orgId, projectId: context.projectId, runId: task.runId, taskId: task.id }),
        cache: createPgContextCache(db),
        skills: agentSetup.skills,
        promptDirs: agentSetup.promptDirs,
        secrets: allSecrets,
        webTest: webTestFor(context.projectSettings, deps, path.join(deps.dataDir, 'screenshots', task.id)),
        extraTools: [...(mcp ? createMcpTools(mcp) : []), ...(environment ? [environment.tool] : [])],
        setup: environment ? (c) => environment.setup(c) : undefined,
        setupSteps: environment ? () => environment.steps() : undefined,
        context: mcp ? `MCP servers this project may use (mcp_list_tools to see their tools):\n${mcp.registry()}` : undefined,
        takeChat: async () => (await takeChatMessagesForTask(db, { runId: task.runId, taskId: task.id })).map((m) => `${m.author}: ${m.text}`),
        budgets: deps.budgets,
        maxQaCycles: deps.maxQaCycles,
        signal: ctx.signal,
      });
      ws = null; // the session's finish removed the worktree

      const prId = session.pullRequest ? await pullRequestIdForBranch(db, { orgId: task.orgId, projectId: context.projectId, branch: session.pullRequest.branch }) : null;
      if (prId && session.pullRequest) {
        await ctx.publish({ type: 'pull-request.opened', runId: task.runId, taskId: task.id, pullRequestId: prId, title: session.pullRequest.title, ...(session.pullRequest.url ? { url: session.pullRequest.url } : {}) });
      }
      if (session.remediation.length) {
        await ctx.commitOnce('remediation', async () => {
          const fix = remediationTask({ key: task.key, title: task.title }, session.remediation);
          await addRemediationTask(db, { orgId: task.orgId, runId: task.runId, wave: task.wave + 1, originKey: task.key, task: { ...fix, files: fix.files.length ? fix.files : task.files } });
          return fix.key;
        });
      }
      await ctx.commitOnce('usage', () => recordTokenUsage(db, { orgId: task.orgId, runId: task.runId, tokens: session.usage.inputTokens + session.usage.outputTokens }).then(() => true));
      const output: PipelineTaskOutput = {
        pullRequestId: prId,
        cycles: session.pipeline.cycles.length,
        costUsd: session.usage.costUsd,
        approved: session.approved,
        committed: session.committed,
        commitSha: session.commitSha,
        ...(session.pipeline.reason ? { reason: session.pipeline.reason } : {}),
        remediation: session.remediation.length,
        remediationWithheld: session.remediationWithheld.length,
        ...(session.agent ? { agent: session.agent } : {}),
        turns: session.pipeline.architect.turns + session.pipeline.cycles.reduce((n, c) => n + c.developer.turns + (c.qa?.turns ?? 0) + (c.reviewer?.turns ?? 0), 0),
        promptVersions: session.pipeline.promptVersions,
        ...environmentLines(),
      };
      if (!session.approved) return { status: 'failed', error: session.pipeline.reason ?? 'QA and review did not converge', retryable: false, branch: session.branch, usage: session.usage, output };
      return {
        status: 'succeeded',
        summary: session.pipeline.cycles.at(-1)?.developer.finish?.summary,
        branch: session.branch,
        commitSha: session.commitSha,
        usage: session.usage,
        output,
      };
    } catch (err) {
      // A dependency setup that failed ends the task early with the installer's last lines.
      if (err instanceof EnvironmentSetupError) return { status: 'failed', error: err.message, retryable: false, output: { setupFailed: true, ...environmentLines() } };
      throw err;
    } finally {
      // A recording that could not be written (the database gone mid-run) does not fail the task: it is said.
      const closed = await recording?.close();
      if (closed?.errors.length) roleLog.warn({ errors: closed.errors }, 'the task recording is incomplete');
      await mcp?.close().catch(() => undefined);
      await sandbox?.stop().catch(() => undefined);
      if (ws) await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
    }
  };
}

/** Records each pull request in the database and in a second store (the CLI's files), under its own project id there. */
function mirroredStore(primary: PullRequestStore, second: PullRequestStore, projectId: string, secondProjectId: string): PullRequestStore {
  return {
    findByBranch: (p, branch) => primary.findByBranch(p, branch),
    async upsert(record) {
      const saved = await primary.upsert(record);
      await second.upsert({ ...saved, projectId: record.projectId === projectId ? secondProjectId : record.projectId });
      return saved;
    },
  };
}
