import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { LOCAL_REPOSITORY_REFUSED } from '../repos/local-repo-policy';
import { mirrorFor } from '../repos/mirror';
import { probeRepository } from '../repos/probe';
import { githubTokenFor } from '../github/github-auth';
import { requireRole } from './orgs';
import { createProject, getProject, updateProject } from './projects';
import { repositorySourceFor } from './repositories';
import type { OrgScope } from './scope';

/**
 * A repository is checked where it is typed: the local-path policy (one message for every refusal),
 * then `git ls-remote` — reachable, its default branch, and the branch asked for. Creating and
 * changing a project go through the same check, so a path that does not exist is refused at once
 * rather than when the first question or run reads it.
 */
export type RepositoryCheck = { repository: string; defaultBranch: string; detectedDefaultBranch: string | null; local: boolean };

async function orgGitToken(db: DB, orgId: string): Promise<string | undefined> {
  // A half-configured GitHub App must not stop a check of a public remote.
  return githubTokenFor(db, orgId).then((a) => a.token ?? undefined, () => undefined);
}

export async function checkRepository(db: DB, scope: OrgScope, input: { repository: string; defaultBranch?: string }): Promise<RepositoryCheck> {
  requireRole(scope, 'member');
  const source = await repositorySourceFor(db, { orgId: scope.orgId, repository: input.repository });
  const local = source.localPath !== null;
  const branch = input.defaultBranch?.trim() || undefined;
  const probe = await probeRepository(source.url, { branch, token: local ? undefined : await orgGitToken(db, scope.orgId) });
  if (!probe.reachable) {
    // A granted local path git cannot read gets the policy's one answer, like every other refusal.
    throw new AppError('BAD_REQUEST', local ? LOCAL_REPOSITORY_REFUSED : `Could not reach the repository: ${probe.error}`);
  }
  if (branch && probe.branchExists === false) {
    throw new AppError('BAD_REQUEST', `The repository has no branch "${branch}"${probe.defaultBranch ? `; its default branch is ${probe.defaultBranch}` : ''}`);
  }
  const defaultBranch = branch ?? probe.defaultBranch;
  if (!defaultBranch) throw new AppError('BAD_REQUEST', 'The repository has no commits yet: push a first commit, then add it');
  return { repository: input.repository.trim(), defaultBranch, detectedDefaultBranch: probe.defaultBranch, local };
}

/** Creates a project after checking its repository; the default branch is the repository's own unless one is named. */
export async function createCheckedProject(db: DB, scope: OrgScope, input: { name: string; repository: string; defaultBranch?: string }) {
  const checked = await checkRepository(db, scope, input);
  return createProject(db, scope, { name: input.name, repository: input.repository, defaultBranch: checked.defaultBranch });
}

/** Changes a project; a new repository or default branch is checked first. */
export async function updateCheckedProject(db: DB, scope: OrgScope, input: Parameters<typeof updateProject>[2]) {
  if (input.repository || input.defaultBranch) {
    const current = await getProject(db, scope, input.projectId);
    const checked = await checkRepository(db, scope, { repository: input.repository ?? current.repository, defaultBranch: input.defaultBranch ?? (input.repository ? undefined : current.defaultBranch) });
    return updateProject(db, scope, { ...input, defaultBranch: checked.defaultBranch });
  }
  return updateProject(db, scope, input);
}

export type ProjectHealth = {
  reachable: boolean;
  /** Why not, in git's words (or the policy's one message for a local path). */
  error: string | null;
  defaultBranch: string;
  /** The configured default branch exists upstream (null when unreachable). */
  branchExists: boolean | null;
  /** The branch upstream HEAD points at, when it differs from the project's it is worth saying. */
  upstreamDefaultBranch: string | null;
  /** When this server last fetched the repository into its mirror (null: never). */
  lastFetchAt: Date | null;
  checkedAt: Date;
};

/** The project page's health line: reachable now, its default branch, and the last fetch on this server. */
export async function projectHealth(db: DB, scope: OrgScope, input: { projectId: string; dataDir: string }): Promise<ProjectHealth> {
  const project = await getProject(db, scope, input.projectId);
  const lastFetchAt = lastFetch(input.dataDir, project.id);
  const base = { defaultBranch: project.defaultBranch, lastFetchAt, checkedAt: new Date() };
  let source;
  try {
    source = await repositorySourceFor(db, { orgId: scope.orgId, projectId: project.id, repository: project.repository, dataDir: input.dataDir });
  } catch (err) {
    return { ...base, reachable: false, error: (err as Error).message, branchExists: null, upstreamDefaultBranch: null };
  }
  const local = source.localPath !== null;
  const probe = await probeRepository(source.url, { branch: project.defaultBranch, token: local ? undefined : await orgGitToken(db, scope.orgId) });
  if (!probe.reachable) return { ...base, reachable: false, error: local ? LOCAL_REPOSITORY_REFUSED : probe.error, branchExists: null, upstreamDefaultBranch: null };
  return { ...base, reachable: true, error: null, branchExists: probe.branchExists, upstreamDefaultBranch: probe.defaultBranch };
}

/** The mirror's FETCH_HEAD is rewritten by every fetch (server/repos/mirror.ts). */
function lastFetch(dataDir: string, projectId: string): Date | null {
  try {
    const mirror = mirrorFor(path.resolve(dataDir), projectId, '');
    return fs.statSync(path.join(mirror.path, 'FETCH_HEAD')).mtime;
  } catch {
    return null;
  }
}
