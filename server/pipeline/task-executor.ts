import path from 'node:path';
import type { DB } from '../db/client';
import { createModel, type LanguageModel } from '../llm';
import { createSandbox, parseDriver } from '../../sandbox/index';
import type { Sandbox } from '../../sandbox/types';
import { openTaskWorkspace, finishTaskWorkspace, type TaskWorkspace } from '../repos/task-workspace';
import { AGENT_IDENTITY, commitChanges } from '../repos/commit';
import { slugify } from '../repos/branch-name';
import { createPgContextCache } from '../services/context-cache';
import { createPullRequestStore } from '../services/pull-requests';
import { takeChatMessagesForTask } from '../services/chat';
import { orgProviderSettings } from '../services/secrets';
import { repositorySourceFor } from '../services/repositories';
import { secretValuesFromEnv } from '../agent/redact';
import { githubAuthFromSettings } from '../github/github-auth';
import type { CheckpointStore } from '../agent/checkpoint';
import type { AgentCheckpoint } from '../agent/loop-state';
import { loadSkillLibrary, type SkillLibrary } from '../skills/library';
import { loadOrgAgentSettings } from '../services/agent-settings';
import { promptDirWithOverrides } from '../prompts/org-overrides';
import type { AgentRole } from '../agent/types';
import { resolveRoleModel } from './role-models';
import type { ExecutableTask, ExecutorContext, TaskExecutor, TaskResult } from '../../jobs/scheduler/types';
import { acceptanceCriteriaOf } from './acceptance';
import { runPipeline, type PipelineState } from './orchestrate';
import { createRoleRunner } from './role-runner';
import { createStreamRelay } from './stream-relay';
import { verificationReport } from './report';
import { remediationTask } from './remediation';
import { loadProjectMcpServers } from '../services/mcp-servers';
import { recordTokenUsage } from '../billing/usage';
import { createMcpClientManager, type McpClientManager } from '../mcp/client-manager';
import { createMcpTools } from '../tools/mcp-tools';


type Saved = { pipeline?: PipelineState; agents?: Record<string, AgentCheckpoint>; turn?: number };

export function modelFor(name: string, env: Record<string, string>): LanguageModel {
  const provider = name.split(':')[0];
  const key = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY', ollama: '' }[provider] ?? '';
  const base = { anthropic: 'ANTHROPIC_BASE_URL', openai: 'OPENAI_BASE_URL', ollama: 'OLLAMA_HOST' }[provider] ?? '';
  return createModel(name, {
    ...(key && env[key] ? { apiKey: env[key] } : {}),
    ...(base && env[base] ? { baseUrl: env[base] } : {}),
  });
}

/** Folder under the data directory holding prompt folders with an organisation's overrides applied. */
const ORG_PROMPTS_FOLDER = 'org-prompts';

/**
 * An organisation's agent settings as a task uses them: its skills (built-in minus the ones
 * switched off, plus enabled uploads), the model each role runs with (the org's default for the
 * role, else the task's model) and the folder its system prompts are composed from.
 */
export async function orgAgentSetup(db: DB, orgId: string, opts: { taskModel: string; env: Record<string, string>; dataDir: string; baseSkills?: SkillLibrary }) {
  const settings = await loadOrgAgentSettings(db, orgId, opts.baseSkills);
  const modelNameForRole = (role: string) => resolveRoleModel(settings.defaultModels, role, opts.taskModel);
  const models = new Map<string, LanguageModel>();
  return {
    skills: settings.skills,
    modelNameForRole,
    /** For createRoleRunner: undefined keeps the task's model. */
    modelForRole(role: AgentRole): { model: LanguageModel; modelName: string } | undefined {
      const name = modelNameForRole(role);
      if (name === opts.taskModel) return undefined;
      if (!models.has(name)) models.set(name, modelFor(name, opts.env));
      return { model: models.get(name)!, modelName: name };
    },
    promptDirs: { builtIn: promptDirWithOverrides(settings.promptOverrides, path.join(opts.dataDir, ORG_PROMPTS_FOLDER)) },
  };
}

/**
 * How QA reaches the project's UI: project settings `webTest: { startCommand, url }` start the app
 * from the worktree inside the sandbox; a fixed base URL (an operator's staging app) also works.
 */
function webTestFor(settings: unknown, deps: { webTestBaseUrl?: string }, screenshotDir: string) {
  const w = (settings as { webTest?: { startCommand?: string; url?: string } } | null)?.webTest;
  if (w?.startCommand && w.url) return { appUrl: w.url, startCommand: w.startCommand, screenshotDir };
  return deps.webTestBaseUrl ? { baseUrl: deps.webTestBaseUrl, screenshotDir } : null;
}

/**
 * The production task executor: the four-role pipeline in the task's worktree and sandbox.
 * Every role's result is checkpointed and its files committed under an idempotency key, so a
 * worker killed mid-task is resumed by another without repeating a role or duplicating a commit.
 */
export function createPipelineExecutor(deps: { db: DB; dataDir: string; sandboxDriver?: string; webTestBaseUrl?: string }): TaskExecutor {
  const skills = loadSkillLibrary();
  return async (task: ExecutableTask, ctx: ExecutorContext): Promise<TaskResult> => {
    const db = deps.db;
    const run = await db
      .selectFrom('runs')
      .innerJoin('projects', 'projects.id', 'runs.project_id')
      .innerJoin('specs', 'specs.id', 'runs.spec_id')
      .select(['runs.id', 'runs.model', 'projects.id as projectId', 'projects.repository', 'projects.default_branch as defaultBranch', 'projects.settings as projectSettings', 'specs.markdown', 'specs.title as specTitle'])
      .where('runs.id', '=', task.runId)
      .where('runs.org_id', '=', task.orgId)
      .executeTakeFirstOrThrow();
    const criteria = acceptanceCriteriaOf(run.markdown);
    const { env, secrets } = await orgProviderSettings(db, task.orgId);
    const agentSetup = await orgAgentSetup(db, task.orgId, { taskModel: task.model, env, dataDir: deps.dataDir, baseSkills: skills });
    const allSecrets = [...secrets, ...secretValuesFromEnv()];
    const relay = createStreamRelay({ runId: task.runId, taskId: task.id }, (e) => void ctx.publish(e).catch(() => undefined));

    const saved = (ctx.checkpoint?.state ?? {}) as Saved;
    let turn = ctx.checkpoint?.turn ?? 0;
    const agents: Record<string, AgentCheckpoint> = { ...(saved.agents ?? {}) };
    let pipelineState: PipelineState | undefined = saved.pipeline;
    const persist = async () => {
      turn += 1;
      await ctx.saveCheckpoint(turn, { pipeline: pipelineState, agents } satisfies Saved);
    };
    const checkpoint: CheckpointStore = {
      async save(key, cp) {
        agents[key] = cp;
        await persist();
      },
      async load(key) {
        return agents[key];
      },
    };

    let ws: TaskWorkspace | null = null;
    let sandbox: Sandbox | null = null;
    let mcp: McpClientManager | null = null;
    try {
      // The project's MCP servers, loaded progressively: a registry line each, tools on demand.
      const mcpServers = await loadProjectMcpServers(db, task.orgId, run.projectId);
      if (mcpServers.length) mcp = createMcpClientManager(mcpServers);
      // The GitHub App installation token (else GITHUB_TOKEN) for fetch, push and the pull request:
      // registered for redaction before any agent runs, and never put in the sandbox's env.
      const github = await githubAuthFromSettings(task.orgId, env);
      allSecrets.push(...github.secrets);
      const source = await repositorySourceFor(db, { orgId: task.orgId, projectId: run.projectId, repository: run.repository, dataDir: deps.dataDir });
      ws = await openTaskWorkspace({
        dataDir: deps.dataDir,
        repoId: run.projectId,
        source,
        token: github.token,
        task: { id: task.id, slug: slugify(task.title), files: task.files },
        base: run.defaultBranch,
      });
      const workspace = ws.worktree.path;
      // No host environment and no org secret ever reaches the sandbox.
      sandbox = await createSandbox({ driver: parseDriver(deps.sandboxDriver ?? process.env.SANDBOX_DRIVER), workspaceDir: workspace, network: false, env: {} });
      await sandbox.start();

      const runRole = createRoleRunner({
        model: modelFor(task.model, env),
        modelName: task.model,
        workspace,
        sandbox,
        cache: createPgContextCache(db),
        taskKey: task.id,
        skills: agentSetup.skills,
        modelForRole: agentSetup.modelForRole,
        promptDirs: agentSetup.promptDirs,
        checkpoint,
        signal: ctx.signal,
        secrets: allSecrets,
        webTest: webTestFor(run.projectSettings, deps, path.join(deps.dataDir, 'screenshots', task.id)),
        onAgentEvent: relay.onAgentEvent,
        extraTools: mcp ? createMcpTools(mcp) : [],
        context: mcp ? `MCP servers this project may use (mcp_list_tools to see their tools):\n${mcp.registry()}` : undefined,
        takeChat: async () => (await takeChatMessagesForTask(db, { runId: task.runId, taskId: task.id })).map((m) => `${m.author}: ${m.text}`),
      });

      const result = await runPipeline({
        task: { key: task.key, title: task.title, description: task.description, files: task.files },
        acceptanceCriteria: criteria,
        runRole,
        resume: pipelineState,
        signal: ctx.signal,
        onState: async (state) => {
          pipelineState = state;
          // The files a finished role left are committed once per role and cycle: a resumed task
          // finds them on its branch instead of redoing the work.
          const last = state.cycles.at(-1);
          const key = last ? `wip-c${last.cycle}-${last.reviewer ? 'reviewer' : last.qa ? 'qa' : 'developer'}` : 'wip-architect';
          await ctx.commitOnce(key, () =>
            commitChanges({ worktreePath: workspace, author: AGENT_IDENTITY, message: `nightshift: ${task.title} (${key})`, runId: task.runId }),
          );
          await persist();
        },
        onEvent: (e) => {
          if (e.type === 'role.start') void ctx.publish({ type: 'agent.role', runId: task.runId, taskId: task.id, role: e.role, cycle: e.cycle, state: 'started' });
          else {
            relay.flush();
            void ctx.publish({ type: 'agent.role', runId: task.runId, taskId: task.id, role: e.role, cycle: e.cycle, state: 'finished', status: e.outcome.status, summary: e.outcome.finish?.summary });
            const verdict = e.outcome.finish?.verdict;
            if (verdict) void ctx.publish({ type: 'agent.verdict', runId: task.runId, taskId: task.id, role: e.role, verdict, summary: e.outcome.finish?.summary ?? '' });
          }
        },
      });

      const report = verificationReport({ task, acceptanceCriteria: criteria, result, branch: ws.worktree.branch });
      const approved = result.status === 'approved';
      const finished = await ctx.commitOnce('finish', async () => {
        // Resolved again: a long task can outlive the installation token it started with (the cache renews it).
        const gh = await githubAuthFromSettings(task.orgId, env);
        const f = await finishTaskWorkspace({
          ...ws!,
          author: AGENT_IDENTITY,
          message: `nightshift: ${task.title}\n\n${approved ? 'QA passed and the reviewer approved.' : `Not converged: ${result.reason ?? ''}`}`,
          runId: task.runId,
          token: gh.token,
          pullRequest: {
            store: createPullRequestStore(db, { orgId: task.orgId, runId: task.runId, taskId: task.id }),
            projectId: run.projectId,
            title: `${approved ? '' : '[needs attention] '}${task.title}`,
            body: report,
            draft: !approved,
            labels: ['nightshift', approved ? 'verified' : 'needs-attention'],
            githubApiUrl: gh.apiUrl,
            githubHost: gh.host,
          },
        });
        const pr = f.pullRequest
          ? await db.selectFrom('pull_requests').select('id').where('org_id', '=', task.orgId).where('project_id', '=', run.projectId).where('branch', '=', f.pullRequest.record.branch).executeTakeFirst()
          : undefined;
        return { sha: f.commit.sha, prId: pr?.id ?? null, url: f.pullRequest?.record.url ?? null, title: f.pullRequest?.record.title ?? null };
      });
      ws = null; // finishTaskWorkspace removed the worktree
      if (finished.prId) {
        await ctx.publish({ type: 'pull-request.opened', runId: task.runId, taskId: task.id, pullRequestId: finished.prId, title: finished.title ?? task.title, ...(finished.url ? { url: finished.url } : {}) });
      }
      if (result.remediation.length) {
        await ctx.commitOnce('remediation', async () => {
          const fix = remediationTask({ key: task.key, title: task.title }, result.remediation);
          await db
            .insertInto('tasks')
            .values({
              org_id: task.orgId,
              run_id: task.runId,
              key: fix.key,
              title: fix.title,
              description: fix.description,
              files: JSON.stringify(fix.files),
              depends_on: JSON.stringify(fix.dependsOn),
              wave: task.wave + 1,
              status: 'pending',
            })
            .onConflict((oc) => oc.doNothing())
            .execute();
          return fix.key;
        });
      }
      const usage = Object.values(result.usageByRole).reduce(
        (a, u) => ({ inputTokens: a.inputTokens + u.inputTokens, outputTokens: a.outputTokens + u.outputTokens, costUsd: a.costUsd + u.costUsd }),
        { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      );
      await ctx.commitOnce('usage', () => recordTokenUsage(db, { orgId: task.orgId, runId: task.runId, tokens: usage.inputTokens + usage.outputTokens }).then(() => true));
      if (!approved) return { status: 'failed', error: result.reason ?? 'QA and review did not converge', retryable: false };
      return { status: 'succeeded', summary: result.cycles.at(-1)?.developer.finish?.summary, commitSha: finished.sha, usage, output: { pullRequestId: finished.prId, cycles: result.cycles.length } };
    } finally {
      await mcp?.close().catch(() => undefined);
      await sandbox?.stop().catch(() => undefined);
      if (ws) {
        const { removeWorktree } = await import('../repos/worktree');
        await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
      }
    }
  };
}
