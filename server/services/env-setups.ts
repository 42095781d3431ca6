/**
 * Setups of a project's dependencies (server/env): recorded by the task executor and the
 * project's "set up now", read by the project page and the run report. Tenant-scoped: every
 * query filters on the organisation, and a project is checked to be the organisation's own.
 */
import type PgBoss from 'pg-boss';
import type { DB } from '../db/client';
import { projectCacheBytes } from '../env/cache';
import type { ToolchainCheck } from '../env/toolchain';
import { AppError } from '../errors/app-error';
import { getProjectEnvSettings } from './env-settings';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/** The log kept per setup row (the cache entry on disk keeps the whole one). */
export const MAX_STORED_LOG_CHARS = 64_000;

export type EnvSetupRecord = {
  status: 'ready' | 'failed' | 'none';
  source: string;
  stacks: string[];
  command: string | null;
  cacheKey: string | null;
  cached: boolean;
  durationMs: number;
  sizeBytes: number | null;
  toolchain: unknown[];
  log: string;
  error?: string | null;
};

function tail(text: string, max = MAX_STORED_LOG_CHARS): string {
  return text.length <= max ? text : `… [${text.length - max} characters elided]\n${text.slice(-max)}`;
}

/** Stores one setup; the project must belong to the organisation. */
export async function recordEnvSetup(db: DB, input: { orgId: string; projectId: string; runId?: string | null; taskId?: string | null; result: EnvSetupRecord }): Promise<string> {
  const r = input.result;
  const row = await db
    .insertInto('env_setups')
    .columns(['org_id', 'project_id', 'run_id', 'task_id', 'status', 'source', 'stacks', 'command', 'cache_key', 'cached', 'duration_ms', 'size_bytes', 'toolchain', 'log', 'error'])
    .expression((eb) =>
      eb
        .selectFrom('projects')
        .select([
          'projects.org_id',
          'projects.id',
          eb.val(input.runId ?? null).as('run_id'),
          eb.val(input.taskId ?? null).as('task_id'),
          eb.val(r.status).as('status'),
          eb.val(r.source).as('source'),
          eb.val(JSON.stringify(r.stacks)).as('stacks'),
          eb.val(r.command).as('command'),
          eb.val(r.cacheKey).as('cache_key'),
          eb.val(r.cached).as('cached'),
          eb.val(Math.round(r.durationMs)).as('duration_ms'),
          eb.val(r.sizeBytes).as('size_bytes'),
          eb.val(JSON.stringify(r.toolchain)).as('toolchain'),
          eb.val(tail(r.log)).as('log'),
          eb.val(r.error ?? null).as('error'),
        ])
        .where('projects.id', '=', input.projectId)
        .where('projects.org_id', '=', input.orgId),
    )
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Project not found');
  return row.id;
}

const COLUMNS = [
  'id',
  'status',
  'source',
  'stacks',
  'command',
  'cache_key as cacheKey',
  'cached',
  'duration_ms as durationMs',
  'size_bytes as sizeBytes',
  'toolchain',
  'error',
  'run_id as runId',
  'task_id as taskId',
  'created_at as createdAt',
] as const;

/**
 * What the project page shows: the latest setup, the latest real install (its duration and
 * size), and the latest failure with its log when it is newer than the latest success.
 */
export async function projectEnvironment(db: DB, scope: OrgScope, projectId: string) {
  const project = await db.selectFrom('projects').select('id').where('org_id', '=', scope.orgId).where('id', '=', projectId).executeTakeFirst();
  if (!project) throw new AppError('NOT_FOUND', 'Project not found');
  const base = () => db.selectFrom('env_setups').where('org_id', '=', scope.orgId).where('project_id', '=', projectId).orderBy('created_at', 'desc').limit(1);
  const [latest, lastInstall, lastFailure] = await Promise.all([
    base().select(COLUMNS).executeTakeFirst(),
    base().select(COLUMNS).where('cached', '=', false).where('status', '=', 'ready').executeTakeFirst(),
    base().select([...COLUMNS, 'log']).where('status', '=', 'failed').executeTakeFirst(),
  ]);
  const num = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  const shape = <T extends { sizeBytes: string | null }>(r: T | undefined) => (r ? { ...r, sizeBytes: num(r.sizeBytes) } : null);
  return {
    latest: shape(latest),
    lastInstall: shape(lastInstall),
    // A failure already followed by a success is history, not news.
    failure: lastFailure && (!latest || latest.status === 'failed') ? shape(lastFailure) : null,
  };
}

/** The queue "Set up now" sends to (jobs/env-setup.ts; named here so services need not import jobs). */
export const ENV_SETUP_QUEUE = 'env-setup';

/**
 * Everything the project page's Environment card shows: the latest setup (detected command,
 * status, when, how long, cached or not), the last real install, a failure newer than any
 * success with its log, the toolchain check, the cache's size on this host, and the project's
 * setup settings.
 */
export async function projectEnvironmentView(db: DB, scope: OrgScope, projectId: string, opts: { dataDir: string }) {
  const [env, settings] = await Promise.all([projectEnvironment(db, scope, projectId), getProjectEnvSettings(db, scope, projectId)]);
  const toolchain = ((env.latest?.toolchain ?? []) as ToolchainCheck[]).map((c) => ({ tool: c.tool, wanted: c.wanted, source: c.source, have: c.have, ok: c.ok, message: c.message }));
  let cacheBytes: number | null = null;
  try {
    cacheBytes = projectCacheBytes(opts.dataDir, projectId);
  } catch {
    /* unreadable cache folder: shown as unknown */
  }
  return { ...env, toolchain, cacheBytes, settings };
}

/**
 * Queues a setup of the project's default branch ("Set up now"). One waits per project: asking
 * again while one is queued answers `queued: false`.
 */
export async function requestEnvSetup(db: DB, boss: PgBoss | null, scope: OrgScope, projectId: string) {
  requireRole(scope, 'member');
  const project = await db.selectFrom('projects').select('id').where('org_id', '=', scope.orgId).where('id', '=', projectId).executeTakeFirst();
  if (!project) throw new AppError('NOT_FOUND', 'Project not found');
  if (!boss) throw new AppError('INTERNAL_SERVER_ERROR', 'The job queue is not running on this server');
  const jobId = await boss.send(ENV_SETUP_QUEUE, { orgId: scope.orgId, projectId }, { singletonKey: projectId });
  return { queued: jobId !== null, jobId, requestedAt: new Date().toISOString() };
}

/** Setups recorded for a run (its report lists them). */
export async function runEnvSetups(db: DB, scope: OrgScope, runId: string) {
  return db.selectFrom('env_setups').select(COLUMNS).where('org_id', '=', scope.orgId).where('run_id', '=', runId).orderBy('created_at').execute();
}
