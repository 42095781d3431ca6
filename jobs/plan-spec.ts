import { z } from 'zod';
import type { JobDefinition } from './definition';
import { dataDir } from '../server/config';
import { openTaskWorkspace } from '../server/repos/task-workspace';
import { removeWorktree } from '../server/repos/worktree';
import { createPgContextCache } from '../server/services/context-cache';
import { createRun } from '../server/services/runs';
import { loadSkillLibrary } from '../server/skills/library';
import { planSpecWithAgent } from '../server/pipeline/plan-spec';
import { gapFillingObjective, mergeGapFill, planFromImport } from '../server/specs/import-plan';
import type { ImportedTask } from '../server/specs/speckit-convert';
import { orgAgentSetup } from '../server/pipeline/agent-setup';
import { orgProviderSettings } from '../server/services/secrets';
import { githubAuthFromSettings } from '../server/github/github-auth';
import { repositorySourceFor } from '../server/services/repositories';
import { beginPlanRecording, endPlanRecording } from '../server/recording/plan';
import { dbPlanRecordingSink } from '../server/services/recordings';
import { secretValuesFromEnv } from '../server/agent/redact';
import { getLogger } from '../server/observability/logger';

export const PLAN_SPEC_JOB = 'plan-spec';
/**
 * `model` is the planner's; `runModel` the run's (the organisation's default, which roles without
 * a model of their own fall back to). Absent (jobs queued before it existed): the planner's.
 */
export const ZPlanSpecJob = z.object({ orgId: z.string().uuid(), specId: z.string().uuid(), userId: z.string().uuid().nullable(), model: z.string(), runModel: z.string().optional() });

/**
 * Plans an accepted spec with the planner agent on a worktree of the project's repository, then
 * creates the run (queued, not started) so its preview — waves, conflicts, forecast — can be read
 * before any task spends a token. The browser hears `spec.planned` either way.
 */
export const planSpecJob = {
  id: PLAN_SPEC_JOB,
  payload: ZPlanSpecJob,
  queue: { retryLimit: 0, expireInSeconds: 1800 },
  async handler(data, ctx) {
    const spec = await ctx.db
      .selectFrom('specs')
      .innerJoin('projects', 'projects.id', 'specs.project_id')
      .select(['specs.id', 'specs.markdown', 'specs.status', 'specs.imported_tasks as importedTasks', 'projects.id as projectId', 'projects.repository', 'projects.default_branch as defaultBranch'])
      .where('specs.id', '=', data.specId)
      .where('specs.org_id', '=', data.orgId)
      .executeTakeFirst();
    const fail = (error: string) => ctx.publish(data.orgId, { type: 'spec.planned', specId: data.specId, error });
    if (!spec || spec.status !== 'accepted') return fail('the spec is not accepted');
    const scope = { orgId: data.orgId, userId: data.userId, role: 'member' as const };
    // A Spec Kit import brings the team's plan: its open tasks are the run, and the planner agent
    // only fills gaps (files of tasks that name none, parts no task covers).
    const importPlan = Array.isArray(spec.importedTasks) && spec.importedTasks.length ? planFromImport(spec.importedTasks as ImportedTask[]) : null;
    if (importPlan && importPlan.tasks.length === 0) return fail(`every imported task is already done (${importPlan.done.join(', ')}); there is nothing to run`);
    if (importPlan && importPlan.gaps.length === 0) {
      try {
        const run = await createRun(ctx.db, scope, { specId: data.specId, tasks: importPlan.tasks, model: data.runModel ?? data.model, doneTasks: importPlan.done });
        await ctx.publish(data.orgId, { type: 'spec.planned', specId: data.specId, runId: run.run.id });
        return { runId: run.run.id, fromImport: true };
      } catch (err) {
        await fail((err as Error).message);
        return { error: (err as Error).message };
      }
    }
    const { env, secrets } = await orgProviderSettings(ctx.db, data.orgId);
    // The organisation's skills and prompt overrides apply to the planner as to every role. The
    // payload's model is already the org's planner default when the caller named none
    // (planning.planSpec resolves it).
    const agentSetup = await orgAgentSetup(ctx.db, data.orgId, { taskModel: data.model, env, dataDir: dataDir(), baseSkills: loadSkillLibrary() });
    let ws: Awaited<ReturnType<typeof openTaskWorkspace>> | null = null;
    let recording: Awaited<ReturnType<typeof beginPlanRecording>> | null = null;
    let planStatus: 'planned' | 'failed' = 'failed';
    try {
      const source = await repositorySourceFor(ctx.db, { orgId: data.orgId, projectId: spec.projectId, repository: spec.repository });
      const github = await githubAuthFromSettings(data.orgId, env);
      ws = await openTaskWorkspace({
        dataDir: dataDir(),
        repoId: spec.projectId,
        source,
        token: github.token,
        task: { id: `plan-${data.specId}`, slug: 'plan' },
        base: spec.defaultBranch,
      });
      // Recorded like every task (before its run exists: tied to the spec, then to the run).
      const sink = dbPlanRecordingSink(ctx.db, { orgId: data.orgId, specId: data.specId });
      recording = await beginPlanRecording({ sinks: [sink], secrets: [...secrets, ...github.secrets, ...secretValuesFromEnv()], runId: null, planId: `plan-${data.specId}`, specMarkdown: spec.markdown, model: data.model, workspace: ws });
      const planned = await planSpecWithAgent({
        specMarkdown: spec.markdown,
        ...(importPlan ? { objective: gapFillingObjective(spec.markdown, importPlan) } : {}),
        model: agentSetup.models.model,
        modelName: data.model,
        workspace: ws.worktree.path,
        cache: createPgContextCache(ctx.db),
        skills: agentSetup.skills,
        promptDirs: agentSetup.promptDirs,
        secrets: [...secrets, ...github.secrets],
        recording,
      });
      if (!planned.ok) return fail(planned.error);
      const tasks = importPlan ? mergeGapFill(importPlan, planned.tasks).tasks : planned.tasks;
      const run = await createRun(ctx.db, scope, { specId: data.specId, tasks, model: data.runModel ?? data.model, ...(importPlan ? { doneTasks: importPlan.done } : {}) });
      planStatus = 'planned';
      await recording.flush();
      await sink.attachRun(run.run.id);
      await ctx.publish(data.orgId, { type: 'spec.planned', specId: data.specId, runId: run.run.id });
      return { runId: run.run.id };
    } catch (err) {
      await fail((err as Error).message);
      return { error: (err as Error).message };
    } finally {
      if (recording) {
        const errors = await endPlanRecording(recording, planStatus).catch((err: Error) => [err.message]);
        for (const e of errors) getLogger({ component: 'plan-spec', orgId: data.orgId }).warn(`the planner's recording was not fully stored: ${e}`);
      }
      if (ws) await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
    }
  },
} satisfies JobDefinition<typeof ZPlanSpecJob>;
