import { randomUUID } from 'node:crypto';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { githubAuthFromSettings } from '../github/github-auth';
import { git } from '../repos/git';
import { openTaskWorkspace } from '../repos/task-workspace';
import { removeWorktree, worktreeHead } from '../repos/worktree';
import { recordScan } from '../services/learned-patterns';
import { requireRole } from '../services/orgs';
import { getProject } from '../services/projects';
import { repositorySourceFor } from '../services/repositories';
import { orgProviderSettings } from '../services/secrets';
import { createSpec } from '../services/specs';
import type { OrgScope } from '../services/scope';
import { cleanupSpec } from './cleanup-spec';
import { RULES } from './catalogue';
import { scanRepository } from './scan';
import { detectTestCommand } from './test-command';
import type { ScanResult } from './types';

/** A scan in the web process yields to the event loop this often (files), so requests keep flowing. */
const YIELD_EVERY_FILES = 25;
/** Problems listed back to the page; the count stays exact. */
const MAX_PROBLEMS_SHOWN = 50;

/** Runs `fn` on a fresh checkout of the project's default branch, then removes the checkout. */
async function withProjectCheckout<T>(db: DB, scope: OrgScope, input: { projectId: string; dataDir: string }, fn: (dir: string, commit: string) => Promise<T>): Promise<T> {
  const project = await getProject(db, scope, input.projectId);
  const source = await repositorySourceFor(db, { orgId: scope.orgId, projectId: project.id, repository: project.repository, dataDir: input.dataDir });
  const { env } = await orgProviderSettings(db, scope.orgId);
  const github = await githubAuthFromSettings(scope.orgId, env);
  const ws = await openTaskWorkspace({
    dataDir: input.dataDir,
    repoId: project.id,
    source,
    token: github.token,
    // The id's first characters name the branch: a fresh uuid, so no scan resumes an old branch.
    task: { id: randomUUID(), slug: 'viability-scan' },
    base: project.defaultBranch,
  });
  try {
    return await fn(ws.worktree.path, await worktreeHead(ws.worktree.path));
  } finally {
    await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
    // A scan opens no pull request: its branch goes too, so branches do not pile up in the mirror.
    await git(['branch', '-D', ws.worktree.branch], { cwd: ws.mirror.path }).catch(() => undefined);
  }
}

/**
 * Scans the project's default branch with the whole catalogue and files the findings into its
 * learned patterns ("Scan repository" on the project page).
 */
export async function scanProject(db: DB, scope: OrgScope, input: { projectId: string; dataDir: string }) {
  requireRole(scope, 'member');
  return withProjectCheckout(db, scope, input, async (dir, commit) => {
    const result: ScanResult = await scanRepository(dir, { yieldEvery: YIELD_EVERY_FILES });
    const recorded = await recordScan(db, { orgId: scope.orgId, projectId: input.projectId, commit, findings: result.findings, rulesChecked: RULES.map((r) => r.id) });
    return {
      commit,
      findings: result.findings.length,
      filesScanned: result.filesScanned,
      rulesChecked: result.rulesChecked,
      problems: result.problems.slice(0, MAX_PROBLEMS_SHOWN),
      problemCount: result.problems.length,
      ...recorded,
    };
  });
}

/**
 * "Create cleanup spec" on the project page: scans the default branch for one rule (or takes the
 * most severe that fires), writes the cleanup spec and saves it as a draft spec of the project.
 */
export async function createCleanupSpec(db: DB, scope: OrgScope, input: { projectId: string; rule?: string; dataDir: string }) {
  requireRole(scope, 'member');
  if (input.rule && !RULES.some((r) => r.id === input.rule)) throw new AppError('BAD_REQUEST', `"${input.rule}" is not a viability rule`);
  const built = await withProjectCheckout(db, scope, input, async (dir) => {
    const result = await scanRepository(dir, { rules: input.rule ? [input.rule] : undefined, yieldEvery: YIELD_EVERY_FILES });
    return { spec: cleanupSpec({ findings: result.findings, rule: input.rule, testCommand: detectTestCommand(dir) }), filesScanned: result.filesScanned };
  });
  if (!built.spec) {
    throw new AppError('BAD_REQUEST', `Nothing to clean up: ${input.rule ? `rule ${input.rule} does not fire` : 'no rule fires'} on the default branch (${built.filesScanned} files scanned)`);
  }
  const spec = await createSpec(db, scope, { projectId: input.projectId, title: built.spec.title, markdown: built.spec.markdown });
  // The gate's score as stored (grounded in the project's repository like every saved spec).
  return { specId: spec.id, title: built.spec.title, rule: built.spec.rule, occurrences: built.spec.included.length, leftOut: built.spec.leftOut.length, score: spec.score, accepted: spec.accepted };
}
