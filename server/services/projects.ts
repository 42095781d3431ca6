import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';
import { recordProjectRepository, repositorySourceFor } from './repositories';

const COLUMNS = ['id', 'org_id as orgId', 'name', 'repository', 'default_branch as defaultBranch', 'created_at as createdAt'] as const;

export async function listProjects(db: DB, scope: OrgScope) {
  return db.selectFrom('projects').select(COLUMNS).where('org_id', '=', scope.orgId).orderBy('name').execute();
}

export type ProjectWebTest = { startCommand: string; url: string };

export async function getProject(db: DB, scope: OrgScope, projectId: string) {
  const row = await db
    .selectFrom('projects')
    .select([...COLUMNS, 'settings'])
    .where('org_id', '=', scope.orgId)
    .where('id', '=', projectId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Project not found');
  const { settings, ...project } = row;
  const webTest = (settings as { webTest?: ProjectWebTest | null } | null)?.webTest ?? null;
  return { ...project, webTest };
}

export async function createProject(db: DB, scope: OrgScope, input: { name: string; repository: string; defaultBranch?: string }) {
  requireRole(scope, 'member');
  return db.transaction().execute(async (trx) => {
    // A local path must be granted to this organisation and used by no other (checked under a lock).
    const checked = await repositorySourceFor(trx, { orgId: scope.orgId, repository: input.repository });
    const row = await trx
      .insertInto('projects')
      .values({
        org_id: scope.orgId,
        name: input.name.trim(),
        repository: input.repository.trim(),
        default_branch: input.defaultBranch?.trim() || 'main',
      })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw new AppError('CONFLICT', `A project named "${input.name.trim()}" already exists in this organization`);
    await recordProjectRepository(trx, { orgId: scope.orgId, projectId: row.id, checked });
    return row;
  });
}

export async function updateProject(
  db: DB,
  scope: OrgScope,
  input: { projectId: string; name?: string; repository?: string; defaultBranch?: string; webTest?: { startCommand: string; url: string } | null },
) {
  requireRole(scope, 'member');
  if (input.webTest !== undefined) {
    // Merged into the settings document so other project settings stay as they are.
    const current = await getProject(db, scope, input.projectId);
    const existing = await db.selectFrom('projects').select('settings').where('org_id', '=', scope.orgId).where('id', '=', current.id).executeTakeFirstOrThrow();
    const settings = { ...(existing.settings as Record<string, unknown>), webTest: input.webTest };
    await db.updateTable('projects').set({ settings: JSON.stringify(settings) }).where('org_id', '=', scope.orgId).where('id', '=', current.id).execute();
  }
  const values = {
    ...(input.name ? { name: input.name.trim() } : {}),
    ...(input.repository ? { repository: input.repository.trim() } : {}),
    ...(input.defaultBranch ? { default_branch: input.defaultBranch.trim() } : {}),
  };
  if (Object.keys(values).length === 0) return getProject(db, scope, input.projectId);
  return db.transaction().execute(async (trx) => {
    const checked = input.repository ? await repositorySourceFor(trx, { orgId: scope.orgId, repository: input.repository }) : null;
    const row = await trx
      .updateTable('projects')
      .set(values)
      .where('org_id', '=', scope.orgId)
      .where('id', '=', input.projectId)
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', 'Project not found');
    if (checked) await recordProjectRepository(trx, { orgId: scope.orgId, projectId: row.id, checked });
    return row;
  });
}

/**
 * Deletes a project with its specs, runs and pull requests (the repository itself is not touched).
 * Refused while one of its runs is planning or running: cancel it first.
 */
export async function deleteProject(db: DB, scope: OrgScope, input: { projectId: string }) {
  requireRole(scope, 'admin');
  const active = await db
    .selectFrom('runs')
    .select('id')
    .where('org_id', '=', scope.orgId)
    .where('project_id', '=', input.projectId)
    .where('status', 'in', ['planning', 'running'])
    .executeTakeFirst();
  if (active) throw new AppError('CONFLICT', 'A run of this project is in progress: cancel it (or let it finish) before deleting the project');
  const res = await db.deleteFrom('projects').where('org_id', '=', scope.orgId).where('id', '=', input.projectId).executeTakeFirst();
  if (!res.numDeletedRows) throw new AppError('NOT_FOUND', 'Project not found');
  return { deleted: true };
}
