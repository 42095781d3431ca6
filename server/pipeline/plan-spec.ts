import type { LanguageModel } from '../llm';
import { runAgent } from '../agent/run-agent';
import type { AgentEvent } from '../agent/types';
import type { ContextCache } from '../agent/context-cache';
import type { SkillLibrary } from '../skills/library';
import { toolsForRole } from '../tools/registry';
import type { SubmittedTask } from '../planner/validate-plan';
import type { TaskRecording } from '../recording/recorder';
import { createSubmitPlanTool } from './submit-plan';

/** The planner agent: reads the repository (read-only) and turns an accepted spec into tasks. */
export async function planSpecWithAgent(opts: {
  specMarkdown: string;
  /** Replaces the default objective (an imported plan asks the planner only to fill its gaps). */
  objective?: string;
  model: LanguageModel;
  modelName: string;
  workspace: string;
  cache: ContextCache;
  skills?: SkillLibrary;
  /** The organisation's prompt folder with its overrides applied (task-executor's orgAgentSetup). */
  promptDirs?: { builtIn?: string; overrides?: string };
  secrets?: string[];
  signal?: AbortSignal;
  onEvent?: (e: AgentEvent) => void;
  /** Records every model exchange and tool call of the planner (server/recording/plan.ts). */
  recording?: TaskRecording;
}): Promise<{ ok: true; tasks: SubmittedTask[]; summary: string; costUsd: number } | { ok: false; error: string }> {
  const holder: { tasks: SubmittedTask[] | null } = { tasks: null };
  const rec = opts.recording;
  const result = await runAgent({
    role: 'planner',
    objective: opts.objective ?? `Plan this specification into tasks and submit them with submit_plan.\n\n${opts.specMarkdown}`,
    model: rec ? rec.model(opts.model, { role: 'planner', cycle: 1, modelName: opts.modelName }) : opts.model,
    modelName: opts.modelName,
    tools: [...toolsForRole('planner', { skills: opts.skills }), createSubmitPlanTool(holder)],
    skills: opts.skills,
    ...(opts.promptDirs ? { promptDirs: opts.promptDirs } : {}),
    workspace: opts.workspace,
    cache: opts.cache,
    secrets: opts.secrets,
    signal: opts.signal,
    onEvent: rec
      ? (e) => {
          rec.agentEvent('planner', 1, e);
          opts.onEvent?.(e);
        }
      : opts.onEvent,
  });
  if (!holder.tasks) return { ok: false, error: result.reason ?? 'the planner finished without an accepted plan (submit_plan)' };
  return { ok: true, tasks: holder.tasks, summary: result.finish?.summary ?? '', costUsd: result.costUsd };
}
