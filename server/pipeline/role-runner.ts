import fs from 'node:fs';
import path from 'node:path';
import { createUsageAccumulator, type LanguageModel, type UsageAccumulator } from '../llm';
import type { ModelResolver } from '../llm/model-factory';
import { compareWithBaseline } from '../webtest/visual';
import type { Sandbox } from '../../sandbox/types';
import { startAgent } from '../agent/run-agent';
import { createExplorerSpawner } from '../agent/explorers';
import type { AgentEvent, AgentRole, AgentRunResult, AgentTool } from '../agent/types';
import type { Budgets } from '../agent/budgets';
import type { ContextCache } from '../agent/context-cache';
import type { CheckpointStore } from '../agent/checkpoint';
import { createRedactor } from '../agent/redact';
import type { EvidenceSource } from '../recording/evidence';
import type { TaskRecording } from '../recording/recorder';
import type { SkillLibrary } from '../skills/library';
import { toolsForRole } from '../tools/registry';
import { WebTestSession, type BrowserSession } from '../webtest/session';
import { SandboxedWebTestSession } from '../webtest/sandboxed-session';
import { browserTools } from '../webtest/tools';
import type { Finding, RoleFinish, RoleInput, RoleOutcome, RoleRunner } from './types';

export type RoleRunnerDeps = {
  /** The model each role runs with (an organisation's default per role, else the task's). */
  models: Pick<ModelResolver, 'forRole'>;
  workspace: string;
  sandbox?: Sandbox;
  cache: ContextCache;
  /** Files the cache and checkpoints of this task are filed under. */
  taskKey: string;
  skills?: SkillLibrary;
  checkpoint?: CheckpointStore;
  budgets?: Partial<Budgets>;
  signal?: AbortSignal;
  secrets?: string[];
  usage?: UsageAccumulator;
  /**
   * When the task has a UI, QA gets browser tools: on an app already answering at `baseUrl`, or —
   * with `startCommand` — on the app started from the worktree inside the sandbox, at `appUrl`.
   */
  webTest?: { baseUrl: string; screenshotDir: string } | { appUrl: string; startCommand: string; screenshotDir: string } | null;
  onAgentEvent?: (role: AgentRole, cycle: number, event: AgentEvent) => void;
  /** Mid-run steering: messages typed into the run's chat, read at each turn. */
  takeChat?: () => Promise<string[]>;
  /** Tools every role gets besides its profile (the project's MCP tools). */
  extraTools?: AgentTool[];
  /** Told to every role (the MCP registry: one line per server the project may use). */
  context?: string;
  /** Told to one role this time, computed when it starts (the viability patterns of its files). */
  roleContext?: (input: RoleInput) => Promise<string | undefined>;
  /** Where system prompts are composed from (an organisation's prompt overrides); default built-in. */
  promptDirs?: { builtIn?: string; overrides?: string };
  /**
   * The task's recording: every model call and sandbox command of each role goes through it, and
   * QA's evidence is checked against it.
   */
  recording?: TaskRecording;
  /** Files the change touches against the task's base (QA may cite them as evidence). */
  changedFiles?: () => Promise<string[]>;
};

function findingsText(findings: Finding[]): string {
  return findings.map((f) => `- ${f.id}${f.category ? ` [${f.category}]` : ''}${f.file ? ` ${f.file}` : ''}: ${f.message}${f.evidence ? `\n  evidence: ${f.evidence}` : ''}`).join('\n');
}

/** What each role is asked to do this time: the task, plus the structured handoff from the others. */
export function roleObjective(input: RoleInput): string {
  const parts = [`Task: ${input.objective}`];
  if (input.files.length) parts.push(`Files in scope: ${input.files.join(', ')}`);
  switch (input.role) {
    case 'architect':
      parts.push('Design the implementation of this task for the developer.');
      break;
    case 'developer':
      if (input.architectPlan) parts.push(`The architect's design:\n${input.architectPlan}`);
      if (input.findings?.length) parts.push(`Cycle ${input.cycle}: fix these findings from QA or review (contest one only with evidence):\n${findingsText(input.findings)}`);
      else parts.push('Implement the task and verify it.');
      break;
    case 'qa':
      if (input.developerSummary) parts.push(`The developer says:\n${input.developerSummary}`);
      if (input.findings?.length) parts.push(`Your findings from the previous pass (re-check each):\n${findingsText(input.findings)}`);
      if (input.contested?.length)
        parts.push(`The developer contests:\n${input.contested.map((c) => `- ${c.findingId} (${c.finding.message}): ${c.evidence}`).join('\n')}\nWithdraw a finding the evidence refutes; keep it, with stronger evidence, if not.`);
      parts.push('Verify every acceptance criterion in the sandbox and give your verdict.');
      break;
    case 'reviewer':
      if (input.developerSummary) parts.push(`The developer says:\n${input.developerSummary}`);
      if (input.qaSummary) parts.push(`QA says:\n${input.qaSummary}`);
      parts.push('Review the change against the acceptance criteria: steelman first, then critique.');
      break;
  }
  return parts.join('\n\n');
}

function toFinding(raw: unknown, i: number): Finding {
  const f = (raw ?? {}) as Record<string, unknown>;
  const files = Array.isArray(f.files) ? (f.files as string[]) : [];
  return {
    id: typeof f.id === 'string' && f.id ? f.id : `F${i + 1}`,
    message: String(f.message ?? f.title ?? ''),
    category: typeof f.category === 'string' ? (f.category as Finding['category']) : undefined,
    severity: typeof f.severity === 'string' ? (f.severity as Finding['severity']) : undefined,
    file: typeof f.file === 'string' ? f.file : files[0],
    criterion: typeof f.criterion === 'number' ? f.criterion : undefined,
    evidence: typeof f.evidence === 'string' ? f.evidence : typeof f.detail === 'string' ? f.detail : undefined,
  };
}

export function toRoleFinish(finish: AgentRunResult['finish']): RoleFinish | undefined {
  if (!finish) return undefined;
  const f = finish as Record<string, unknown>;
  return {
    summary: finish.summary,
    verdict: typeof f.verdict === 'string' ? (f.verdict === 'request-changes' ? 'request_changes' : f.verdict) : undefined,
    findings: Array.isArray(f.findings) ? f.findings.map(toFinding) : undefined,
    contested: Array.isArray(f.contested) ? (f.contested as RoleFinish['contested']) : undefined,
    criteria: Array.isArray(f.criteria) ? (f.criteria as RoleFinish['criteria']) : undefined,
    steelman: typeof f.steelman === 'string' ? f.steelman : undefined,
  };
}

/** Where a repository keeps its screenshot baselines (committed like any other test fixture). */
export const VISUAL_BASELINE_DIR = 'visual-baselines';

/**
 * Visual regression: each screenshot QA took is compared with the repository's baseline of the
 * same name (pixelmatch); a first screenshot becomes the baseline, a changed one gets a diff image.
 */
function visualChecks(screenshots: string[], workspace: string) {
  return screenshots.map((file) => {
    const name = path.basename(file).replace(/^\d+-/, '');
    const r = compareWithBaseline(fs.readFileSync(file), path.join(workspace, VISUAL_BASELINE_DIR, name), path.dirname(file));
    return { screenshot: file, status: r.status, ...('diffPixels' in r ? { diffPixels: r.diffPixels } : {}), ...('diffImage' in r && r.diffImage ? { diffImage: r.diffImage } : {}) };
  });
}

/** Runs each pipeline role as an agent on the harness, in the task's worktree and sandbox. */
export function createRoleRunner(deps: RoleRunnerDeps): RoleRunner {
  const redact = createRedactor(deps.secrets);
  return async (input: RoleInput): Promise<RoleOutcome> => {
    const role = input.role;
    const chosen = deps.models.forRole(role);
    const rec = deps.recording;
    const model: LanguageModel = rec ? rec.model(chosen.model, { role, cycle: input.cycle, modelName: chosen.modelName }) : chosen.model;
    const sandbox = rec && deps.sandbox ? rec.sandbox(deps.sandbox, { role, cycle: input.cycle }) : deps.sandbox;
    const commands: NonNullable<RoleOutcome['commands']> = [];
    const pending = new Map<string, string>();
    let session: BrowserSession | null = null;
    // QA's evidence: what the recording holds of this cycle's QA pass.
    const evidence: EvidenceSource | undefined =
      role === 'qa' && rec
        ? {
            commands: () => rec.commands('qa', input.cycle),
            webSteps: () => session?.transcript ?? [],
            changedFiles: deps.changedFiles ?? (async () => []),
          }
        : undefined;
    // Explorer spend counts in the role's own accounting.
    const usage = deps.usage ?? createUsageAccumulator();
    const taskKey = `${deps.taskKey}:c${input.cycle}`;
    const spawnExplorers = createExplorerSpawner({
      model,
      modelName: chosen.modelName,
      workspace: deps.workspace,
      cache: deps.cache,
      taskKey: `${taskKey}:${role}`,
      usage,
      secrets: deps.secrets,
      onEvent: (_name, e) => {
        rec?.agentEvent('explorer', input.cycle, e);
        deps.onAgentEvent?.('explorer', input.cycle, e);
      },
    });
    const tools = toolsForRole(role, { sandbox, skills: deps.skills, redact, spawnExplorers, ...(evidence ? { finish: { evidence: { source: evidence, criteria: input.acceptanceCriteria.length } } } : {}) });
    if (role === 'qa' && deps.webTest) {
      const w = deps.webTest;
      session =
        'startCommand' in w
          ? new SandboxedWebTestSession({ workspaceDir: deps.workspace, appUrl: w.appUrl, startCommand: w.startCommand, screenshotDir: w.screenshotDir })
          : new WebTestSession({ baseUrl: w.baseUrl, screenshotDir: w.screenshotDir });
      tools.push(...browserTools(session));
    }
    tools.push(...(deps.extraTools ?? []));
    const handle = startAgent({
      role,
      objective: [roleObjective(input), deps.context, await deps.roleContext?.(input)].filter(Boolean).join('\n\n'),
      acceptanceCriteria: input.acceptanceCriteria,
      model,
      modelName: chosen.modelName,
      tools,
      skills: deps.skills,
      workspace: deps.workspace,
      sandbox,
      cache: deps.cache,
      taskKey,
      checkpoint: deps.checkpoint,
      budgets: deps.budgets,
      signal: deps.signal,
      secrets: deps.secrets,
      usage,
      scope: input.files,
      ...(deps.promptDirs ? { promptDirs: deps.promptDirs } : {}),
      onEvent: (e) => {
        rec?.agentEvent(role, input.cycle, e);
        if (!rec && e.type === 'tool-call' && e.call.toolName === 'run_command') pending.set(e.call.id, String((e.call.args as { command?: unknown })?.command ?? ''));
        if (e.type === 'tool-result' && pending.has(e.callId)) {
          const exit = /exit code (\d+)/.exec(e.output)?.[1];
          commands.push({ command: pending.get(e.callId)!, exitCode: exit ? Number(exit) : e.isError ? 1 : 0, outputTail: e.output.slice(-400) });
        }
        if (e.type === 'turn-start' && deps.takeChat) {
          void deps.takeChat().then((msgs) => msgs.forEach((m) => handle.injectMessage(m)), () => undefined);
        }
        deps.onAgentEvent?.(role, input.cycle, e);
      },
    });
    let result: AgentRunResult;
    try {
      result = await handle.result;
    } finally {
      await session?.close();
    }
    // The commands the role ran, as recorded (with their place in the recording, for links).
    if (rec) {
      for (const c of rec.commands(role, input.cycle)) commands.push({ command: c.command, exitCode: c.exitCode, outputTail: `${c.stdout}${c.stderr ? `\n${c.stderr}` : ''}`.slice(-400), seq: c.seq });
    }
    return {
      status: result.status,
      finish: toRoleFinish(result.finish),
      reason: result.reason,
      turns: result.turns,
      nudges: result.nudges,
      repairedToolCalls: result.repairedToolCalls,
      usage: { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, costUsd: result.costUsd },
      promptVersions: Object.fromEntries(result.prompts.map((p) => [p.id, p.version])),
      commands,
      ...(session ? { webTest: { transcript: session.transcript, screenshots: session.screenshots, visual: visualChecks(session.screenshots, deps.workspace) } } : {}),
    };
  };
}
