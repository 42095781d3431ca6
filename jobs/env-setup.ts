import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseDriver } from '../sandbox/index';
import type { JobDefinition } from './definition';
import { dataDir } from '../server/config';
import { setupRecord } from '../server/env/project-environment';
import { ensureEnvironment } from '../server/env/setup';
import { githubAuthFromSettings } from '../server/github/github-auth';
import { openTaskWorkspace, type TaskWorkspace } from '../server/repos/task-workspace';
import { git } from '../server/repos/git';
import { removeWorktree } from '../server/repos/worktree';
import { ENV_SETUP_QUEUE, recordEnvSetup } from '../server/services/env-setups';
import { loadEnvSetupInputs } from '../server/services/env-settings';
import { repositorySourceFor } from '../server/services/repositories';
import { orgProviderSettings } from '../server/services/secrets';

export const ENV_SETUP_JOB = ENV_SETUP_QUEUE;
export const ZEnvSetupJob = z.object({ orgId: z.string().uuid(), projectId: z.string().uuid() });

/**
 * "Set up now" on the project page: the project's dependencies for its default branch, set up
 * (or found in the cache) exactly as a task's would be, and recorded, so the Environment card
 * shows the detected command, the result and the log before any run. One queued and one running
 * per project (stately queue keyed by project).
 */
export const envSetupJob = {
  id: ENV_SETUP_JOB,
  payload: ZEnvSetupJob,
  queue: { policy: 'stately', retryLimit: 0, expireInSeconds: 1800 },
  async handler(data, ctx) {
    const project = await ctx.db
      .selectFrom('projects')
      .select(['id', 'repository', 'default_branch as defaultBranch'])
      .where('org_id', '=', data.orgId)
      .where('id', '=', data.projectId)
      .executeTakeFirst();
    if (!project) return { skipped: 'project not found' };
    const started = performance.now();
    const record = (result: Parameters<typeof recordEnvSetup>[1]['result']) => recordEnvSetup(ctx.db, { orgId: data.orgId, projectId: project.id, result });
    let ws: TaskWorkspace | null = null;
    try {
      const { env } = await orgProviderSettings(ctx.db, data.orgId);
      const github = await githubAuthFromSettings(data.orgId, env);
      const source = await repositorySourceFor(ctx.db, { orgId: data.orgId, projectId: project.id, repository: project.repository });
      ws = await openTaskWorkspace({ dataDir: dataDir(), repoId: project.id, source, token: github.token, task: { id: `env-${randomUUID()}`, slug: 'env-setup' }, base: project.defaultBranch });
      const inputs = await loadEnvSetupInputs(ctx.db, data.orgId, project.id);
      const notes: string[] = [...inputs.notes];
      const r = await ensureEnvironment({
        dataDir: dataDir(),
        projectKey: project.id,
        workspaceDir: ws.worktree.path,
        driver: parseDriver(process.env.SANDBOX_DRIVER),
        settings: inputs.settings,
        registries: inputs.registries,
        tokens: inputs.tokens,
        log: (l) => notes.push(l),
      });
      const rec = setupRecord(r);
      await record({ ...rec, log: notes.length ? `${notes.join('\n')}\n${rec.log}` : rec.log });
      return { status: r.status, cached: r.cached, cacheKey: r.cacheKey };
    } catch (err) {
      // The repository could not be opened or no sandbox can fence a setup: said on the card.
      const message = (err as Error & { userMessage?: string }).userMessage ?? (err as Error).message;
      await record({ status: 'failed', source: 'none', stacks: [], command: null, cacheKey: null, cached: false, durationMs: Math.round(performance.now() - started), sizeBytes: null, toolchain: [], log: `${message}\n`, error: message }).catch(() => undefined);
      return { error: message };
    } finally {
      if (ws) {
        await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
        // The branch only existed to give the setup a worktree.
        await git(['branch', '-D', ws.worktree.branch], { cwd: ws.mirror.path }).catch(() => undefined);
      }
    }
  },
} satisfies JobDefinition<typeof ZEnvSetupJob>;
