/**
 * Recordings in the database (issue 15): the sink every run's task writes through, the reads the
 * run page's player and `nightshift replay --run` use, and retention. Every read is scoped to the
 * organisation inside the query, through the run that owns the recording.
 */
import { sql } from 'kysely';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import type { BlobLine, LoadedRecording, RecordEntry, RecordingEnding, RecordingHeader, RecordingSink } from '../recording/types';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/** How long recordings are kept when the organisation has not said (days). */
export const DEFAULT_RECORDING_RETENTION_DAYS = 30;
export const MAX_RECORDING_RETENTION_DAYS = 3650;
/** Rows per insert statement (well under PostgreSQL's 65,535 parameters). */
const INSERT_CHUNK = 500;

/** The organisation's retention setting, or the default. */
export function retentionDays(settings: unknown): number {
  const d = (settings as { recordingRetentionDays?: unknown } | null)?.recordingRetentionDays;
  return typeof d === 'number' && Number.isInteger(d) && d >= 1 ? d : DEFAULT_RECORDING_RETENTION_DAYS;
}

/** Where a task's recording is written in the database (created by the task executor for every run). */
export function dbRecordingSink(db: DB, ids: { orgId: string; runId: string; taskId: string }): RecordingSink {
  return {
    name: 'database',
    async open(header: RecordingHeader) {
      // Retention applies on write too: a CLI-only installation has no cron job running.
      await pruneRecordings(db, { orgId: ids.orgId });
      await db
        .insertInto('task_recordings')
        .values({ task_id: ids.taskId, org_id: ids.orgId, run_id: ids.runId, header: JSON.stringify(header) })
        .onConflict((oc) => oc.column('task_id').doNothing())
        .execute();
    },
    async write(lines) {
      const blobs = lines.filter((l) => l.kind === 'blob');
      const entries = lines.filter((l): l is RecordEntry => l.kind !== 'blob');
      let bytes = 0;
      for (let i = 0; i < blobs.length; i += INSERT_CHUNK) {
        const chunk = blobs.slice(i, i + INSERT_CHUNK).map((b) => {
          bytes += b.text.length;
          return { task_id: ids.taskId, hash: b.hash, org_id: ids.orgId, text: b.text };
        });
        await db.insertInto('recording_blobs').values(chunk).onConflict((oc) => oc.columns(['task_id', 'hash']).doNothing()).execute();
      }
      for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
        const chunk = entries.slice(i, i + INSERT_CHUNK).map((e) => {
          const data = JSON.stringify(e);
          bytes += data.length;
          return {
            task_id: ids.taskId,
            seq: e.seq,
            org_id: ids.orgId,
            kind: e.kind,
            role: 'role' in e ? e.role : null,
            cycle: 'cycle' in e ? e.cycle : null,
            turn: 'turn' in e && typeof e.turn === 'number' ? e.turn : null,
            data,
          };
        });
        await db.insertInto('recording_entries').values(chunk).onConflict((oc) => oc.columns(['task_id', 'seq']).doNothing()).execute();
      }
      await db
        .updateTable('task_recordings')
        .set({ records: sql`records + ${entries.length}`, bytes: sql`bytes + ${bytes}`, updated_at: new Date() })
        .where('task_id', '=', ids.taskId)
        .where('org_id', '=', ids.orgId)
        .execute();
    },
    async close(ending: RecordingEnding | null) {
      if (!ending) return;
      await db.updateTable('task_recordings').set({ ending: JSON.stringify(ending), updated_at: new Date() }).where('task_id', '=', ids.taskId).where('org_id', '=', ids.orgId).execute();
    },
  };
}

/**
 * Where the planner's recording is written (it runs before its run exists on the server): a
 * `plan_recordings` row tied to the spec, and to the run once {@link PlanRecordingSink.attachRun}
 * names it (at once for `nightshift run`, whose run exists before it plans).
 */
export type PlanRecordingSink = RecordingSink & {
  /** The row's id once opened. */
  readonly id: string | null;
  attachRun(runId: string): Promise<void>;
};

export function dbPlanRecordingSink(db: DB, ids: { orgId: string; specId?: string | null; runId?: string | null }): PlanRecordingSink {
  let id: string | null = null;
  let runId = ids.runId ?? null;
  return {
    name: 'database',
    get id() {
      return id;
    },
    async open(header: RecordingHeader) {
      await pruneRecordings(db, { orgId: ids.orgId });
      const row = await db
        .insertInto('plan_recordings')
        .values({ org_id: ids.orgId, spec_id: ids.specId ?? null, run_id: runId, header: JSON.stringify(header) })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
    },
    async write(lines) {
      if (!id) return;
      const records = lines.filter((l) => l.kind !== 'blob').length;
      const json = JSON.stringify(lines);
      await db
        .updateTable('plan_recordings')
        .set({ lines: sql`lines || ${json}::jsonb`, records: sql`records + ${records}`, bytes: sql`bytes + ${json.length}`, updated_at: new Date() })
        .where('id', '=', id)
        .where('org_id', '=', ids.orgId)
        .execute();
    },
    async close(ending: RecordingEnding | null) {
      if (!id || !ending) return;
      await db.updateTable('plan_recordings').set({ ending: JSON.stringify(ending), updated_at: new Date() }).where('id', '=', id).where('org_id', '=', ids.orgId).execute();
    },
    async attachRun(run: string) {
      runId = run;
      if (!id) return;
      await db
        .updateTable('plan_recordings')
        .set({ run_id: run, header: sql`jsonb_set(header, '{runId}', to_jsonb(${run}::text))`, updated_at: new Date() })
        .where('id', '=', id)
        .where('org_id', '=', ids.orgId)
        .execute();
    },
  };
}

/** The planner's recording of a run (the newest, if it was planned more than once), or null. */
export async function loadPlanRecording(db: DB, ids: { orgId: string; runId: string }): Promise<LoadedRecording | null> {
  const row = await db
    .selectFrom('plan_recordings')
    .select(['header', 'ending', 'lines'])
    .where('run_id', '=', ids.runId)
    .where('org_id', '=', ids.orgId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const lines = (row.lines ?? []) as unknown as Array<BlobLine | RecordEntry>;
  return {
    header: row.header as unknown as RecordingHeader,
    entries: lines.filter((l): l is RecordEntry => l.kind !== 'blob'),
    blobs: new Map(lines.filter((l): l is BlobLine => l.kind === 'blob').map((b) => [b.hash, b.text])),
    ending: (row.ending as unknown as RecordingEnding | null) ?? null,
  };
}

/** A task's whole recording, or null when there is none (pruned, or never made). */
export async function loadTaskRecording(db: DB, ids: { orgId: string; taskId: string }): Promise<LoadedRecording | null> {
  const row = await db.selectFrom('task_recordings').select(['header', 'ending']).where('task_id', '=', ids.taskId).where('org_id', '=', ids.orgId).executeTakeFirst();
  if (!row) return null;
  const entries = await db.selectFrom('recording_entries').select('data').where('task_id', '=', ids.taskId).where('org_id', '=', ids.orgId).orderBy('seq').execute();
  const blobs = await db.selectFrom('recording_blobs').select(['hash', 'text']).where('task_id', '=', ids.taskId).where('org_id', '=', ids.orgId).execute();
  return {
    header: row.header as unknown as RecordingHeader,
    entries: entries.map((e) => e.data as unknown as RecordEntry),
    blobs: new Map(blobs.map((b) => [b.hash, b.text])),
    ending: (row.ending as unknown as RecordingEnding | null) ?? null,
  };
}

/** The recordings of a run, one per task (for the run page and `nightshift replay --run`). */
export async function listRunRecordings(db: DB, scope: Pick<OrgScope, 'orgId'>, runId: string) {
  const run = await db.selectFrom('runs').select('id').where('id', '=', runId).where('org_id', '=', scope.orgId).executeTakeFirst();
  if (!run) throw new AppError('NOT_FOUND', 'Run not found');
  const rows = await db
    .selectFrom('task_recordings')
    .innerJoin('tasks', 'tasks.id', 'task_recordings.task_id')
    .select(['task_recordings.task_id as taskId', 'tasks.key', 'tasks.title', 'tasks.wave', 'task_recordings.header', 'task_recordings.ending', 'task_recordings.records', 'task_recordings.bytes', 'task_recordings.created_at as createdAt'])
    .where('task_recordings.run_id', '=', runId)
    .where('task_recordings.org_id', '=', scope.orgId)
    .orderBy('tasks.wave')
    .orderBy('tasks.key')
    .execute();
  return rows.map((r) => {
    const ending = r.ending as unknown as RecordingEnding | null;
    const header = r.header as unknown as RecordingHeader;
    return {
      taskId: r.taskId,
      key: r.key,
      title: r.title,
      wave: r.wave,
      model: header.model,
      mode: header.mode,
      records: r.records,
      bytes: Number(r.bytes),
      modelCalls: ending?.modelCalls ?? null,
      status: ending?.status ?? null,
      tree: ending?.tree ?? null,
      createdAt: r.createdAt,
    };
  });
}

/** Records of one task's recording from `afterSeq` on, at most `limit` (the run page's player pages through them). */
export async function readRecordingEntries(db: DB, scope: Pick<OrgScope, 'orgId'>, input: { runId: string; taskId: string; afterSeq?: number; limit?: number }) {
  const owner = await db
    .selectFrom('task_recordings')
    .innerJoin('runs', 'runs.id', 'task_recordings.run_id')
    .select(['task_recordings.header', 'task_recordings.ending'])
    .where('task_recordings.task_id', '=', input.taskId)
    .where('task_recordings.run_id', '=', input.runId)
    .where('runs.org_id', '=', scope.orgId)
    .executeTakeFirst();
  if (!owner) throw new AppError('NOT_FOUND', 'No recording of this task (it may have passed the retention period)');
  const limit = Math.min(Math.max(input.limit ?? 200, 1), 1000);
  const rows = await db
    .selectFrom('recording_entries')
    .select('data')
    .where('task_id', '=', input.taskId)
    .where('org_id', '=', scope.orgId)
    .where('seq', '>', input.afterSeq ?? 0)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const entries = rows.slice(0, limit).map((r) => r.data as unknown as RecordEntry);
  return {
    header: owner.header as unknown as RecordingHeader,
    ending: (owner.ending as unknown as RecordingEnding | null) ?? null,
    entries,
    more: rows.length > limit,
  };
}

/** The oldest creation time the joined organisation's retention keeps (its setting, or the default). */
const keptSince = (now: Date) =>
  sql<Date>`${now}::timestamptz - make_interval(days => coalesce(case when jsonb_typeof(organizations.settings->'recordingRetentionDays') = 'number' then greatest((organizations.settings->>'recordingRetentionDays')::numeric, 1)::int end, ${DEFAULT_RECORDING_RETENTION_DAYS}))`;

/**
 * Drops recordings older than their organisation's retention (one organisation, or all). Returns
 * how many task recordings went (the planners' recordings go by the same rule).
 */
export async function pruneRecordings(db: DB, opts: { orgId?: string; now?: Date } = {}): Promise<number> {
  const now = opts.now ?? new Date();
  let q = db
    .deleteFrom('task_recordings')
    .using('organizations')
    .whereRef('organizations.id', '=', 'task_recordings.org_id')
    .where('task_recordings.created_at', '<', keptSince(now));
  if (opts.orgId) q = q.where('task_recordings.org_id', '=', opts.orgId);
  const r = await q.executeTakeFirst();
  // The planners' recordings, by the same rule.
  let p = db
    .deleteFrom('plan_recordings')
    .using('organizations')
    .whereRef('organizations.id', '=', 'plan_recordings.org_id')
    .where('plan_recordings.created_at', '<', keptSince(now));
  if (opts.orgId) p = p.where('plan_recordings.org_id', '=', opts.orgId);
  await p.executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

/** The organisation's recording retention, in days. */
export async function getRecordingRetention(db: DB, scope: OrgScope): Promise<{ days: number; isDefault: boolean }> {
  const org = await db.selectFrom('organizations').select('settings').where('id', '=', scope.orgId).executeTakeFirst();
  if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
  const set = (org.settings as { recordingRetentionDays?: unknown } | null)?.recordingRetentionDays;
  return { days: retentionDays(org.settings), isDefault: typeof set !== 'number' };
}

/** Sets how long the organisation's recordings are kept (admins); older ones go at the next pruning. */
export async function setRecordingRetention(db: DB, scope: OrgScope, input: { days: number }): Promise<{ days: number; isDefault: boolean }> {
  requireRole(scope, 'admin');
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > MAX_RECORDING_RETENTION_DAYS) {
    throw new AppError('BAD_REQUEST', `Keep recordings for 1 to ${MAX_RECORDING_RETENTION_DAYS} days`);
  }
  await db
    .updateTable('organizations')
    .set({ settings: sql`coalesce(settings, '{}'::jsonb) || jsonb_build_object('recordingRetentionDays', ${input.days}::int)` })
    .where('id', '=', scope.orgId)
    .execute();
  await pruneRecordings(db, { orgId: scope.orgId });
  return getRecordingRetention(db, scope);
}

/** The organisation's slug (for links into the web app). */
export async function orgSlug(db: DB, orgId: string): Promise<string> {
  const row = await db.selectFrom('organizations').select('slug').where('id', '=', orgId).executeTakeFirst();
  return row?.slug ?? orgId;
}

/** What `nightshift replay --run` needs of a run (the operator's command: any organisation). */
export async function loadRunForReplay(db: DB, runId: string) {
  const run = await db
    .selectFrom('runs')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .select(['runs.id', 'runs.org_id as orgId', 'runs.project_id as projectId', 'runs.model', 'runs.status', 'projects.repository', 'projects.settings as projectSettings'])
    .where('runs.id', '=', runId)
    .executeTakeFirst();
  if (!run) return null;
  const tasks = await db
    .selectFrom('tasks')
    .leftJoin('task_recordings', 'task_recordings.task_id', 'tasks.id')
    .select(['tasks.id', 'tasks.key', 'tasks.title', 'tasks.description', 'tasks.files', 'tasks.wave', 'tasks.status', 'task_recordings.task_id as recorded'])
    .where('tasks.run_id', '=', runId)
    .where('tasks.org_id', '=', run.orgId)
    .orderBy('tasks.wave')
    .orderBy('tasks.created_at')
    .execute();
  return {
    ...run,
    tasks: tasks.map((t) => ({ id: t.id, key: t.key, title: t.title, description: t.description, files: (t.files as string[]) ?? [], wave: t.wave, status: t.status, recorded: t.recorded !== null })),
  };
}
