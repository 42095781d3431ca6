import { sql } from 'kysely';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { dataDir as configuredDataDir } from '../config';
import {
  LOCAL_REPOSITORY_REFUSED,
  decideLocalRepository,
  grantedRepositorySource,
  localRepoPolicy,
  localSourcePath,
  type RepositorySource,
} from '../repos/local-repo-policy';

/** Serialises the one-organisation-per-path check with the write that records the path. */
const LOCAL_PATHS_LOCK = sql`pg_advisory_xact_lock(hashtext('nightshift.local_repository_paths'))`;

export type CheckedRepository = RepositorySource;

type Refusal = { refused: true; reason: string };

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

async function inTransaction<T>(db: DB, fn: (trx: DB) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/**
 * Checks a repository source for an organisation: a remote passes (the outbound policy applies
 * when git connects); a local path must be granted by the policy and not overlap a path another
 * organisation uses. With `projectId`, the project's resolved path is recorded (in the same
 * transaction as the check). Returns the reason instead of throwing, for the start-up report.
 */
async function check(db: DB, input: { orgId: string; projectId?: string; repository: string; dataDir?: string }): Promise<CheckedRepository | Refusal> {
  const local = localSourcePath(input.repository);
  if (local === null) return grantedRepositorySource(input.repository.trim(), null);
  const { policy } = localRepoPolicy();
  return inTransaction(db, async (trx) => {
    await sql`select ${LOCAL_PATHS_LOCK}`.execute(trx);
    const org = await trx.selectFrom('organizations').select(['id', 'slug']).where('id', '=', input.orgId).executeTakeFirst();
    if (!org) return { refused: true, reason: 'no such organization' };
    const first = await trx.selectFrom('organizations').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
    const decision = decideLocalRepository(local, {
      orgSlug: org.slug,
      isFirstOrganization: first?.id === org.id,
      policy,
      dataDir: input.dataDir ?? configuredDataDir(),
    });
    if (!decision.ok) return { refused: true, reason: decision.reason };
    const real = decision.path;
    // The same path, a path inside it or one above it, recorded by another organisation.
    const taken = await trx
      .selectFrom('local_repository_paths')
      .select(['path', 'org_id'])
      .where('org_id', '!=', org.id)
      .where((eb) =>
        eb.or([
          eb('path', '=', real),
          eb('path', 'like', `${escapeLike(real)}/%`),
          eb(sql.val(real), 'like', sql<string>`replace(replace(replace(path, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '/%'`),
        ]),
      )
      .executeTakeFirst();
    if (taken) return { refused: true, reason: `${real} overlaps ${taken.path}, used by organization ${taken.org_id}` };
    if (input.projectId) {
      await trx
        .insertInto('local_repository_paths')
        .values({ project_id: input.projectId, org_id: org.id, path: real })
        .onConflict((oc) => oc.column('project_id').doUpdateSet({ org_id: org.id, path: real, checked_at: new Date() }))
        .execute();
    }
    return grantedRepositorySource(real, real);
  });
}

/** The reason stays on the server (the start-up report names it); the caller hears one message. */
function refused(): AppError {
  return new AppError('BAD_REQUEST', LOCAL_REPOSITORY_REFUSED);
}

/**
 * The source to open for a project, checked now: every path that reads a project's repository
 * (the assistant, the planner, the agents, the forecast) goes through here, so a project made
 * before a rule changed is refused at run time. With `projectId` the resolved path is recorded as
 * that project's. Refusals are one AppError whose message says nothing about the path.
 * @example const source = await repositorySourceFor(db, { orgId, projectId: p.id, repository: p.repository })
 */
export async function repositorySourceFor(db: DB, input: { orgId: string; projectId?: string; repository: string; dataDir?: string }): Promise<CheckedRepository> {
  const result = await check(db, input);
  if ('refused' in result) throw refused();
  return result;
}

/** Records (or, for a remote, forgets) the resolved local path of a project just created or changed. */
export async function recordProjectRepository(db: DB, input: { orgId: string; projectId: string; checked: CheckedRepository }): Promise<void> {
  if (input.checked.localPath === null) {
    await db.deleteFrom('local_repository_paths').where('project_id', '=', input.projectId).execute();
    return;
  }
  await db
    .insertInto('local_repository_paths')
    .values({ project_id: input.projectId, org_id: input.orgId, path: input.checked.localPath })
    .onConflict((oc) => oc.column('project_id').doUpdateSet({ org_id: input.orgId, path: input.checked.localPath!, checked_at: new Date() }))
    .execute();
}

export type LocalRepositoryViolation = { orgId: string; orgSlug: string; projectId: string; projectName: string; repository: string; reason: string };

/**
 * Checks every project with a local path as a run would, oldest project first (so of two
 * organisations on one path, the one that registered it first keeps it), records the paths that
 * pass and returns the ones refused — for the start-up log.
 */
export async function localRepositoryViolations(db: DB): Promise<LocalRepositoryViolation[]> {
  const projects = await db
    .selectFrom('projects')
    .innerJoin('organizations', 'organizations.id', 'projects.org_id')
    .select(['projects.id', 'projects.name', 'projects.repository', 'projects.org_id', 'organizations.slug'])
    .orderBy('projects.created_at')
    .orderBy('projects.id')
    .execute();
  const out: LocalRepositoryViolation[] = [];
  for (const p of projects) {
    if (localSourcePath(p.repository) === null) continue;
    const result = await check(db, { orgId: p.org_id, projectId: p.id, repository: p.repository });
    if ('refused' in result) {
      await db.deleteFrom('local_repository_paths').where('project_id', '=', p.id).execute();
      out.push({ orgId: p.org_id, orgSlug: p.slug, projectId: p.id, projectName: p.name, repository: p.repository, reason: result.reason });
    }
  }
  return out;
}

/** Problems with NIGHTSHIFT_LOCAL_REPOS itself (malformed entries, missing roots), for the start-up log. */
export function localRepositoryPolicyProblems(): string[] {
  return localRepoPolicy().problems;
}
