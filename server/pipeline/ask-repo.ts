import { randomUUID } from 'node:crypto';
import type { DB } from '../db/client';
import { runAgent } from '../agent/run-agent';
import { createMemoryContextCache } from '../agent/context-cache';
import { secretValuesFromEnv } from '../agent/redact';
import { toolsForRole } from '../tools/registry';
import { openTaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { orgProviderSettings } from '../services/secrets';
import { repositorySourceFor } from '../services/repositories';
import { githubAuthFromSettings } from '../github/github-auth';
import { modelFromSettings } from '../llm/model-factory';

/** A question is a short, read-only look: a few turns are enough. */
export const ASK_MAX_TURNS = 12;

/**
 * The project-scoped assistant (chat with no run active): a read-only explorer agent on a fresh
 * worktree of the project's repository answers a question about the code.
 */
export async function askRepository(db: DB, input: { orgId: string; project: { id: string; repository: string; defaultBranch: string }; question: string; model: string; dataDir: string }) {
  const source = await repositorySourceFor(db, { orgId: input.orgId, projectId: input.project.id, repository: input.project.repository, dataDir: input.dataDir });
  const { env, secrets } = await orgProviderSettings(db, input.orgId);
  const github = await githubAuthFromSettings(input.orgId, env);
  const ws = await openTaskWorkspace({
    dataDir: input.dataDir,
    repoId: input.project.id,
    source,
    token: github.token,
    task: { id: `ask-${randomUUID()}`, slug: 'ask' },
    base: input.project.defaultBranch,
  });
  try {
    const result = await runAgent({
      role: 'explorer',
      objective: `Answer this question about the repository, citing files: ${input.question}`,
      model: modelFromSettings(input.model, { env }),
      modelName: input.model,
      tools: toolsForRole('explorer'),
      workspace: ws.worktree.path,
      cache: createMemoryContextCache(),
      secrets: [...secrets, ...github.secrets, ...secretValuesFromEnv()],
      budgets: { maxTurns: ASK_MAX_TURNS },
    });
    if (result.status !== 'done' || !result.finish) return { answer: null, error: result.reason ?? 'the assistant did not answer', costUsd: result.costUsd };
    const findings = (result.finish.findings ?? []).map((f) => `- ${f.title}${f.detail ? `: ${f.detail}` : ''}${f.files?.length ? ` (${f.files.join(', ')})` : ''}`);
    return { answer: [result.finish.summary, ...findings].join('\n'), costUsd: result.costUsd };
  } finally {
    await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
  }
}
