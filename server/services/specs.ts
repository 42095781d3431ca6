import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { scoreSpec, type SpecFinding } from '../specs/score';
import { convertSpecKit, type SpecKitFile } from '../specs/speckit-convert';
import { specTitleOf } from '../specs/title';
import { DEFAULT_SPEC_THRESHOLD, requireRole } from './orgs';
import { projectRepoIndex } from './spec-grounding';
import type { OrgScope } from './scope';

/** How many findings a refused submission lists in its message; the rest are on the spec. */
export const MAX_FINDINGS_IN_ERROR = 8;

const COLUMNS = [
  'id',
  'org_id as orgId',
  'project_id as projectId',
  'title',
  'markdown',
  'score',
  'findings',
  'status',
  'created_by as createdBy',
  'submitted_at as submittedAt',
  'created_at as createdAt',
  'updated_at as updatedAt',
  'imported_tasks as importedTasks',
  'import_warnings as importWarnings',
] as const;

/** The organisation's accept threshold (settings.specThreshold, default 70). */
export async function specThreshold(db: DB, orgId: string): Promise<number> {
  const org = await db.selectFrom('organizations').select('settings').where('id', '=', orgId).executeTakeFirst();
  const t = (org?.settings as { specThreshold?: unknown } | undefined)?.specThreshold;
  return typeof t === 'number' && Number.isFinite(t) ? t : DEFAULT_SPEC_THRESHOLD;
}

async function ensureProject(db: DB, orgId: string, projectId: string): Promise<void> {
  const p = await db.selectFrom('projects').select('id').where('org_id', '=', orgId).where('id', '=', projectId).executeTakeFirst();
  if (!p) throw new AppError('NOT_FOUND', 'Project not found');
}

/** The gate's score: grounded in the project's repository when this host can read it (spec-grounding.ts). */
async function scored(db: DB, orgId: string, projectId: string, markdown: string) {
  const [threshold, repo] = await Promise.all([specThreshold(db, orgId), projectRepoIndex(db, { orgId, projectId })]);
  const result = scoreSpec(markdown, { threshold, ...(repo ? { repo } : {}) });
  return { score: result.score, findings: result.findings, accepted: result.accepted, threshold: result.threshold };
}

export async function createSpec(
  db: DB,
  scope: OrgScope,
  input: { projectId: string; title: string; markdown: string; importedTasks?: unknown[]; importWarnings?: string[] },
) {
  requireRole(scope, 'member');
  await ensureProject(db, scope.orgId, input.projectId);
  const s = await scored(db, scope.orgId, input.projectId, input.markdown);
  const row = await db
    .insertInto('specs')
    .values({
      org_id: scope.orgId,
      project_id: input.projectId,
      // One title: the document's first `# ` heading when it has one, else the title given.
      title: specTitleOf(input.markdown, input.title),
      markdown: input.markdown,
      score: s.score,
      findings: JSON.stringify(s.findings),
      created_by: scope.userId,
      ...(input.importedTasks ? { imported_tasks: JSON.stringify(input.importedTasks) } : {}),
      ...(input.importWarnings ? { import_warnings: JSON.stringify(input.importWarnings) } : {}),
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...row, threshold: s.threshold, accepted: s.accepted };
}

/**
 * A spec from a Spec Kit folder the browser read: the whole folder becomes the spec's text and
 * tasks.md its plan (kept on the spec; planning uses it). A dependency cycle is refused, naming it.
 */
export async function importSpecKitSpec(db: DB, scope: OrgScope, input: { projectId: string; files: SpecKitFile[] }) {
  requireRole(scope, 'member');
  if (!input.files.some((f) => f.path.split('/').pop() === 'spec.md')) {
    throw new AppError('BAD_REQUEST', 'The folder has no spec.md; choose the Spec Kit feature folder (specs/NNN-name/) that holds spec.md');
  }
  const imported = convertSpecKit(stripFolderPrefix(input.files));
  if (imported.cycle) throw new AppError('BAD_REQUEST', `tasks.md has a dependency cycle: ${imported.cycle.join(' → ')}. Break it and import again.`);
  const spec = await createSpec(db, scope, {
    projectId: input.projectId,
    title: imported.title,
    markdown: imported.markdown,
    importedTasks: imported.tasks,
    importWarnings: imported.warnings,
  });
  return {
    ...spec,
    tasks: imported.tasks.length,
    doneTasks: imported.tasks.filter((t) => t.done).length,
    clarifications: imported.clarifications.filter((c) => c.open).length,
    documents: imported.documents.map((d) => d.path),
    warnings: imported.warnings,
  };
}

/** A browser's folder upload names files "004-tags/spec.md": the feature folder is the common root. */
function stripFolderPrefix(files: SpecKitFile[]): SpecKitFile[] {
  const specPath = files.map((f) => f.path).filter((p) => p.split('/').pop() === 'spec.md').sort((a, b) => a.length - b.length)[0];
  const root = specPath.slice(0, specPath.length - 'spec.md'.length);
  return files.filter((f) => f.path.startsWith(root)).map((f) => ({ path: f.path.slice(root.length), content: f.content }));
}

/** Saves a draft (a rejected spec edited goes back to draft); the score is recomputed on every save. */
export async function updateSpec(db: DB, scope: OrgScope, input: { specId: string; title?: string; markdown?: string }) {
  requireRole(scope, 'member');
  const current = await getSpecRow(db, scope, input.specId);
  if (current.status !== 'draft' && current.status !== 'rejected') {
    throw new AppError('CONFLICT', `This spec is ${current.status} and can no longer be edited; create a new spec to change it`);
  }
  const markdown = input.markdown ?? current.markdown;
  const s = await scored(db, scope.orgId, current.projectId, markdown);
  const title = specTitleOf(markdown, input.title ?? current.title);
  const row = await db
    .updateTable('specs')
    .set({
      title,
      markdown,
      score: s.score,
      findings: JSON.stringify(s.findings),
      status: 'draft',
      updated_at: new Date(),
    })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.specId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...row, threshold: s.threshold, accepted: s.accepted };
}

function formatFindings(findings: SpecFinding[]): string {
  const shown = findings.filter((f) => f.severity !== 'info').slice(0, MAX_FINDINGS_IN_ERROR);
  const lines = shown.map((f) => `- ${f.section}${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
  const more = findings.length - shown.length;
  return lines.join('\n') + (more > 0 ? `\n…and ${more} more on the spec` : '');
}

/**
 * Submits a draft. The completeness rubric is the gate: at or above the organisation's threshold
 * the spec is accepted and can be run; below it the submission is refused with the findings.
 */
export async function submitSpec(db: DB, scope: OrgScope, input: { specId: string }) {
  requireRole(scope, 'member');
  const current = await getSpecRow(db, scope, input.specId);
  if (current.status === 'accepted') return { ...current, accepted: true };
  if (current.status !== 'draft') throw new AppError('CONFLICT', `Only a draft can be submitted; this spec is ${current.status}`);
  const s = await scored(db, scope.orgId, current.projectId, current.markdown);
  if (!s.accepted) {
    await db
      .updateTable('specs')
      .set({ score: s.score, findings: JSON.stringify(s.findings), updated_at: new Date() })
      .where('org_id', '=', scope.orgId)
      .where('id', '=', input.specId)
      .execute();
    throw new AppError(
      'BAD_REQUEST',
      `This spec scores ${s.score}/100, below this organization's threshold of ${s.threshold}, so it cannot be submitted. Fix these findings and submit again:\n${formatFindings(s.findings)}`,
    );
  }
  const row = await db
    .updateTable('specs')
    .set({ status: 'accepted', score: s.score, findings: JSON.stringify(s.findings), submitted_at: new Date(), updated_at: new Date() })
    .where('org_id', '=', scope.orgId)
    .where('id', '=', input.specId)
    .where('status', '=', 'draft')
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new AppError('CONFLICT', 'This spec changed while it was being submitted; reload and try again');
  return { ...row, accepted: true };
}

async function getSpecRow(db: DB, scope: OrgScope, specId: string) {
  const row = await db.selectFrom('specs').select(COLUMNS).where('org_id', '=', scope.orgId).where('id', '=', specId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Spec not found');
  return row;
}

export async function getSpec(db: DB, scope: OrgScope, specId: string) {
  const row = await getSpecRow(db, scope, specId);
  return { ...row, threshold: await specThreshold(db, scope.orgId) };
}

export async function listSpecs(db: DB, scope: OrgScope, input: { projectId?: string } = {}) {
  return db
    .selectFrom('specs')
    .select(['id', 'project_id as projectId', 'title', 'score', 'status', 'updated_at as updatedAt'])
    .where('org_id', '=', scope.orgId)
    .$if(Boolean(input.projectId), (q) => q.where('project_id', '=', input.projectId!))
    .orderBy('updated_at', 'desc')
    .limit(500)
    .execute();
}

/** Deletes a spec that is still a draft; false when it is not (submitted, or gone). */
export async function deleteDraftSpec(db: DB, scope: OrgScope, input: { specId: string }): Promise<boolean> {
  requireRole(scope, 'member');
  const r = await db.deleteFrom('specs').where('id', '=', input.specId).where('org_id', '=', scope.orgId).where('status', '=', 'draft').executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
