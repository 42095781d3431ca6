/**
 * One task, start to end, whoever runs it: the scheduler's job, `nightshift run` and
 * `nightshift agent` each build the inputs (workspace, sandbox, models, publisher, checkpoint
 * store) and call {@link runTaskSession}. Nothing here reads the database or the environment: an
 * entry point that needs another behaviour passes another input.
 */
import type { ContextCache } from '../agent/context-cache';
import type { CheckpointStore } from '../agent/checkpoint';
import type { AgentCheckpoint } from '../agent/loop-state';
import type { AgentEvent, AgentRole, AgentTool } from '../agent/types';
import type { Budgets } from '../agent/budgets';
import type { LanguageModel } from '../llm';
import type { ModelResolver } from '../llm/model-factory';
import { AGENT_IDENTITY } from '../repos/commit';
import type { PullRequestStore } from '../repos/pull-requests';
import { dropTaskRef, finishTaskWorkspace, saveTaskWork, type TaskWorkspace } from '../repos/task-workspace';
import type { SkillLibrary } from '../skills/library';
import type { Sandbox } from '../../sandbox/types';
import { git } from '../repos/git';
import { changedFiles } from '../recording/evidence';
import { createTaskRecording, type TaskRecording } from '../recording/recorder';
import { runPipeline, type PipelineEvent, type PipelineState } from './orchestrate';
import { followUpFindings } from './remediation';
import { verificationReport, type ReportLinks, type ReportSetupStep } from './report';
import { createRoleRunner, type RoleRunnerDeps } from './role-runner';
import { PIPELINE_ROLES, type Finding, type PipelineResult, type PipelineRole, type RoleOutcome, type RoleRunner, type RoleUsage } from './types';

export type SessionTask = {
  id: string;
  /** The plan's id of the task (T1, T1-fix). */
  key: string;
  title: string;
  description: string;
  files: string[];
  runId: string;
  /** 0 for a planned task, 1 for a remediation task split off another, and so on. */
  remediationDepth?: number;
};

/** What a checkpoint holds: plain JSON, written before the next model call. */
export type SessionState = {
  pipeline?: PipelineState;
  /** The conversation of each role still running, by its checkpoint key. */
  agents?: Record<string, AgentCheckpoint>;
  /** The commit that holds the worktree at this checkpoint (a WIP commit on the task branch). */
  commit?: string;
};

export interface SessionCheckpoints {
  /** The last saved checkpoint; null on a fresh start. */
  initial: { seq: number; state: SessionState } | null;
  /**
   * Saves checkpoint `seq` (1, 2, …, continuing after `initial`). Throws when it cannot — a lost
   * lease, a database error — and the session stops: work that cannot be checkpointed is not done.
   */
  save(seq: number, state: SessionState): Promise<void>;
}

/**
 * Runs a side effect once per task and key (the final commit and pull request), returning the
 * stored result when it already happened. `recovering` is true when an earlier execution began
 * the effect and died before recording it.
 */
export type CommitOnce = <T>(key: string, fn: (info: { key: string; recovering: boolean }) => Promise<T>) => Promise<T>;

/** Runs `fn` every time: for callers without a store of finished effects. */
export const runEveryTime: CommitOnce = (key, fn) => fn({ key, recovering: false });

export type SessionEvent =
  | PipelineEvent
  | { type: 'agent'; role: AgentRole; cycle: number; event: AgentEvent };

/** Issue 21's environment setup runs here, before the first role, in the task's sandbox. */
export type SessionSetup = (ctx: { workspaceDir: string; sandbox: Sandbox; signal?: AbortSignal; resumed: boolean }) => Promise<void>;

/**
 * Issue 16's viability hooks: the patterns to avoid, told to the architect and developer for the
 * files they are about to work in; the diff guard, whose findings join QA's; and the learner that
 * hears every QA, reviewer and guard finding of the task. All optional.
 */
export interface SessionViability {
  /** The `## Patterns to avoid in this repository` section for this role and files, or undefined. */
  promptSection?(input: { role: 'architect' | 'developer'; files: string[]; workspaceDir: string }): Promise<string | undefined>;
  /** Findings for known patterns on the lines the change added (worktree against the base's fork point). */
  guard?(input: { workspaceDir: string; baseRef: string }): Promise<Finding[]>;
  recordFindings?(findings: Array<{ role: 'qa' | 'reviewer' | 'guard'; finding: Finding }>): Promise<void>;
}

export type SessionDelivery = {
  /** A pull request with the verification report; absent: the branch is committed and pushed only. */
  pullRequest?: {
    store: PullRequestStore;
    projectId: string;
    githubApiUrl?: string;
    githubHost?: string;
  };
  /** A fresh push token each time one is needed (a GitHub App installation token expires). */
  token?: () => Promise<string | undefined>;
};

export type TaskSessionInput = {
  task: SessionTask;
  acceptanceCriteria: string[];
  /**
   * `pipeline`: architect → developer ⇄ QA → reviewer, then a pull request.
   * `agent`: the developer alone (`nightshift agent`), then the branch.
   */
  mode?: 'pipeline' | 'agent';
  /** The task's worktree, opened at its last checkpoint's commit when resuming. */
  workspace: TaskWorkspace;
  sandbox: Sandbox;
  models: ModelResolver;
  publish?: (event: SessionEvent) => void;
  checkpoints?: SessionCheckpoints;
  commitOnce?: CommitOnce;
  delivery: SessionDelivery;
  /**
   * The task's recording (server/recording): every model exchange, tool call, sandbox command and
   * checkpoint goes through it, QA's evidence is checked against it, and with a replay source its
   * models answer from an earlier recording. Absent: an in-memory recording (evidence still checked).
   */
  recorder?: TaskRecording;
  /** Where the verification report links a recorded command's output. */
  links?: ReportLinks;
  setup?: SessionSetup;
  /** The dependency setups of the task so far, for the verification report (issue 21). */
  setupSteps?: () => ReportSetupStep[];
  viability?: SessionViability;
  cache: ContextCache;
  skills?: SkillLibrary;
  promptDirs?: { builtIn?: string; overrides?: string };
  /** Values never to reach a prompt or a log. */
  secrets?: string[];
  webTest?: RoleRunnerDeps['webTest'];
  /** Tools every role gets besides its profile (the project's MCP tools). */
  extraTools?: AgentTool[];
  /** Told to every role. */
  context?: string;
  /** Mid-run steering: messages typed into the run's chat. */
  takeChat?: () => Promise<string[]>;
  budgets?: Partial<Budgets>;
  maxQaCycles?: number;
  signal?: AbortSignal;
};

export type TaskSessionResult = {
  pipeline: PipelineResult;
  approved: boolean;
  branch: string;
  /** The commit the branch ends on. */
  commitSha: string;
  /** False when the task changed nothing (no final commit was made). */
  committed: boolean;
  /** The verification report (pipeline mode). */
  report?: string;
  pullRequest?: { branch: string; title: string; url?: string; body: string };
  /** Findings to split into a remediation task; empty when the task is itself one at the depth cap. */
  remediation: Finding[];
  /** Findings left in the report because the remediation depth cap was reached. */
  remediationWithheld: Finding[];
  usage: RoleUsage;
  /** The developer agent's figures (agent mode). */
  agent?: { status: RoleOutcome['status']; turns: number; nudges: number; repairedToolCalls: number; summary?: string; reason?: string };
};

const agentKey = (taskId: string, role: string, cycle: number) => `${taskId}:c${cycle}:${role}`;

/**
 * Runs one task in its worktree and sandbox. Before every model call the state that must survive
 * a crash is saved: the worktree's changes as a WIP commit on the task branch (pushed to the
 * task's ref), then the checkpoint naming that commit. A resumed session continues each role's
 * conversation where its checkpoint left it, on a worktree checked out at that commit; finished
 * roles are not run again. At the end the WIP commits are squashed into one commit, pushed, and
 * (pipeline mode) a pull request with the verification report is opened.
 */
export async function runTaskSession(input: TaskSessionInput): Promise<TaskSessionResult> {
  const { task, workspace } = input;
  const commitOnce = input.commitOnce ?? runEveryTime;
  const initial = input.checkpoints?.initial ?? null;
  const saved: SessionState = initial?.state ?? {};
  let seq = initial?.seq ?? 0;
  const agents: Record<string, AgentCheckpoint> = { ...(saved.agents ?? {}) };
  let pipelineState: PipelineState | undefined = saved.pipeline;
  const recording = input.recorder ?? createTaskRecording({ secrets: input.secrets });
  const baseRef = `refs/remotes/origin/${workspace.worktree.base}`;
  const cwd = workspace.worktree.path;
  const baseCommit = (await git(['merge-base', 'HEAD', baseRef], { cwd }).catch(() => git(['rev-parse', 'HEAD'], { cwd }))).trim();
  await recording.begin({
    runId: task.runId,
    taskId: task.id,
    taskKey: task.key,
    title: task.title,
    description: task.description,
    criteria: input.acceptanceCriteria,
    mode: input.mode ?? 'pipeline',
    model: input.models.name,
    baseCommit,
    baseTree: (await git(['rev-parse', `${baseCommit}^{tree}`], { cwd })).trim(),
    ...(input.budgets ? { budgets: input.budgets as Record<string, number> } : {}),
    ...(input.maxQaCycles !== undefined ? { maxQaCycles: input.maxQaCycles } : {}),
    environment: Boolean(input.setup),
    volatile: [
      [workspace.worktree.path, '<worktree>'],
      [workspace.mirror.path, '<mirror>'],
      [workspace.worktree.branch, '<branch>'],
    ],
  });
  // The environment setup's commands are recorded too (before the first role).
  const sandbox = recording.sandbox(input.sandbox, { role: 'setup', cycle: 0 });
  const publish = (e: SessionEvent) => {
    try {
      input.publish?.(e);
    } catch {
      // A broken listener must not end the task.
    }
  };

  const persist = async (label: string) => {
    const next = seq + 1;
    const commit = await saveTaskWork(workspace, { author: AGENT_IDENTITY, runId: task.runId, taskId: task.id, label: `${task.title} (${label})`, token: await input.delivery.token?.() });
    if (input.checkpoints) await input.checkpoints.save(next, { pipeline: pipelineState, agents, commit });
    seq = next;
    await recording.checkpoint({ seq, commit, label });
  };
  const agentCheckpoints: CheckpointStore = {
    async save(key, cp) {
      agents[key] = cp;
      await persist(`${key.slice(task.id.length + 1)} turn ${cp.turn}`);
    },
    async load(key) {
      return agents[key];
    },
  };

  await input.setup?.({ workspaceDir: workspace.worktree.path, sandbox, signal: input.signal, resumed: initial !== null });

  const roleRunner = createRoleRunner({
    models: input.models,
    workspace: workspace.worktree.path,
    sandbox: input.sandbox,
    recording,
    changedFiles: () => changedFiles(cwd, baseRef),
    cache: input.cache,
    taskKey: task.id,
    skills: input.skills,
    promptDirs: input.promptDirs,
    checkpoint: agentCheckpoints,
    budgets: input.budgets,
    signal: input.signal,
    secrets: input.secrets,
    webTest: input.webTest,
    extraTools: input.extraTools,
    context: input.context,
    roleContext: async (ri) => {
      if ((ri.role !== 'architect' && ri.role !== 'developer') || !input.viability?.promptSection) return undefined;
      return input.viability.promptSection({ role: ri.role, files: ri.files, workspaceDir: workspace.worktree.path });
    },
    takeChat: input.takeChat,
    onAgentEvent: (role, cycle, event) => publish({ type: 'agent', role, cycle, event }),
  });
  // A finished role's conversation is in its outcome; only running roles keep a transcript.
  const runRole: RoleRunner = async (ri) => {
    const outcome = await roleRunner(ri);
    delete agents[agentKey(task.id, ri.role, ri.cycle)];
    return outcome;
  };

  const base = { key: task.key, title: task.title, description: task.description, files: task.files };
  let result: PipelineResult;
  if ((input.mode ?? 'pipeline') === 'agent') {
    result = await runDeveloperAlone();
  } else {
    result = await runPipeline({
      task: base,
      acceptanceCriteria: input.acceptanceCriteria,
      runRole,
      resume: pipelineState,
      maxQaCycles: input.maxQaCycles,
      signal: input.signal,
      onState: async (state) => {
        pipelineState = state;
        const last = state.cycles.at(-1);
        await persist(last ? `cycle ${last.cycle} ${last.reviewer ? 'reviewer' : last.qa ? 'qa' : 'developer'} done` : 'architect done');
      },
      onEvent: publish,
      ...(input.viability?.guard ? { guard: () => input.viability!.guard!({ workspaceDir: workspace.worktree.path, baseRef: `refs/remotes/origin/${workspace.worktree.base}` }) } : {}),
    });
  }
  if (input.viability?.recordFindings) {
    const all = result.cycles.flatMap((c) => [
      ...(c.qa?.finish?.findings ?? []).map((finding) => ({ role: 'qa' as const, finding })),
      ...(c.reviewer?.finish?.findings ?? []).map((finding) => ({ role: 'reviewer' as const, finding })),
      ...(c.guard ?? []).map((finding) => ({ role: 'guard' as const, finding })),
    ]);
    if (all.length) await commitOnce('viability-findings', () => input.viability!.recordFindings!(all).then(() => true));
  }

  const approved = result.status === 'approved';
  const agentMode = input.mode === 'agent';
  const developer = result.cycles.at(-1)?.developer;
  const report = agentMode ? undefined : verificationReport({ task: { key: task.key, title: task.title }, acceptanceCriteria: input.acceptanceCriteria, result, branch: workspace.worktree.branch, environment: input.setupSteps?.(), links: input.links });
  const message = agentMode
    ? `nightshift: ${task.title}\n\n${developer?.status === 'done' ? (developer.finish?.summary ?? '') : `Run ${developer?.status ?? 'failed'}: ${developer?.reason ?? result.reason ?? ''}`}`.trim()
    : `nightshift: ${task.title}\n\n${approved ? 'QA passed and the reviewer approved.' : `Not converged: ${result.reason ?? ''}`}`;
  const pr = input.delivery.pullRequest;
  const finished = await commitOnce('finish', async () => {
    const f = await finishTaskWorkspace({
      ...workspace,
      author: AGENT_IDENTITY,
      message,
      runId: task.runId,
      token: await input.delivery.token?.(),
      ...(pr && report
        ? {
            pullRequest: {
              store: pr.store,
              projectId: pr.projectId,
              title: `${approved ? '' : '[needs attention] '}${task.title}`,
              body: report,
              draft: !approved,
              labels: ['nightshift', approved ? 'verified' : 'needs-attention'],
              githubApiUrl: pr.githubApiUrl,
              githubHost: pr.githubHost,
            },
          }
        : {}),
    });
    const record = f.pullRequest?.record;
    return { sha: f.commit.sha, committed: f.commit.committed, pullRequest: record ? { branch: record.branch, title: record.title, body: record.body, ...(record.url ? { url: record.url } : {}) } : null };
  });

  const tree = (await git(['rev-parse', `${finished.sha}^{tree}`], { cwd: workspace.mirror.path }).catch(() => '')).trim() || null;
  await recording.end({ status: agentMode ? (developer?.status ?? 'failed') : result.status, commit: finished.sha, tree });

  // The branch holds the work now: the task's checkpoint ref is no longer needed anywhere.
  await commitOnce('drop-task-ref', async () => {
    await dropTaskRef(workspace.mirror, task.id, await input.delivery.token?.());
    return true;
  });

  const split = followUpFindings(task.remediationDepth ?? 0, result.remediation);
  const usage = Object.values(result.usageByRole).reduce(
    (a, u) => ({ inputTokens: a.inputTokens + u.inputTokens, outputTokens: a.outputTokens + u.outputTokens, costUsd: a.costUsd + u.costUsd }),
    { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  );
  return {
    pipeline: result,
    approved,
    branch: workspace.worktree.branch,
    commitSha: finished.sha,
    committed: finished.committed,
    ...(report ? { report } : {}),
    ...(finished.pullRequest ? { pullRequest: finished.pullRequest } : {}),
    remediation: split.follow,
    remediationWithheld: split.withheld,
    usage,
    ...(agentMode && developer
      ? {
          agent: {
            status: developer.status,
            turns: developer.turns,
            nudges: developer.nudges ?? 0,
            repairedToolCalls: developer.repairedToolCalls ?? 0,
            ...(developer.finish?.summary ? { summary: developer.finish.summary } : {}),
            ...(developer.reason ? { reason: developer.reason } : {}),
          },
        }
      : {}),
  };

  /** `nightshift agent`: the developer alone, checkpointed like a pipeline role. */
  async function runDeveloperAlone(): Promise<PipelineResult> {
    let developer = pipelineState?.cycles[0]?.developer;
    if (!developer) {
      if (input.signal?.aborted) throw input.signal.reason ?? new Error('cancelled');
      publish({ type: 'role.start', role: 'developer', cycle: 1 });
      developer = await runRole({ role: 'developer', cycle: 1, objective: `${task.title}${task.description && task.description !== task.title ? `\n\n${task.description}` : ''}`, acceptanceCriteria: input.acceptanceCriteria, files: task.files });
      publish({ type: 'role.end', role: 'developer', cycle: 1, outcome: developer });
      pipelineState = { cycles: [{ cycle: 1, developer, contested: [], withdrawn: [] }], remediation: [] };
      await persist('developer done');
    }
    const usageByRole = Object.fromEntries(PIPELINE_ROLES.map((r) => [r, { inputTokens: 0, outputTokens: 0, costUsd: 0 }])) as Record<PipelineRole, RoleUsage>;
    usageByRole.developer = { ...developer.usage };
    const done = developer.status === 'done';
    return {
      status: done ? 'approved' : 'failed',
      ...(done ? {} : { reason: `developer did not finish: ${developer.reason ?? developer.status}` }),
      architect: { status: 'done', turns: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } },
      cycles: pipelineState!.cycles,
      openFindings: [],
      remediation: [],
      usageByRole,
      promptVersions: developer.promptVersions ?? {},
    };
  }
}
