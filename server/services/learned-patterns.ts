import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { PatternLocation, PatternSeverity, PatternSource } from '../db/schema';
import { AppError } from '../errors/app-error';
import { ruleById } from '../viability/catalogue';
import { clusterFor, messageSignature, RECURRENCE_THRESHOLD, ruleForFinding } from '../viability/clusters';
import { SEVERITY_RANK, type Finding as ScanFinding } from '../viability/types';
import { requireRole } from './orgs';
import type { OrgScope } from './scope';

/**
 * A project's learned anti-patterns: created and refreshed by scans, learned from QA/reviewer
 * findings that recur across tasks, edited and switched by people. Editable fields are versioned
 * (every change a new row in learned_pattern_versions); what scans observe (occurrences,
 * locations) is not.
 */

/** At most this many scan locations are kept per pattern; the count stays exact. */
export const MAX_LOCATIONS = 200;

const COLUMNS = [
  'id', 'key', 'source', 'rule', 'title', 'severity', 'do_not', 'instead', 'example', 'locations', 'occurrences', 'enabled', 'version',
  'source_runs', 'last_scan_at', 'last_scan_commit', 'created_at', 'updated_at',
] as const;

type Row = {
  id: string;
  key: string;
  source: PatternSource;
  rule: string | null;
  title: string;
  severity: PatternSeverity;
  do_not: string;
  instead: string;
  example: PatternLocation | null;
  locations: PatternLocation[];
  occurrences: number;
  enabled: boolean;
  version: number;
  source_runs: string[];
  last_scan_at: Date | null;
  last_scan_commit: string | null;
  created_at: Date;
  updated_at: Date;
};

export type PatternView = {
  id: string;
  key: string;
  source: PatternSource;
  rule: string | null;
  title: string;
  severity: PatternSeverity;
  doNot: string;
  instead: string;
  example: PatternLocation | null;
  occurrences: number;
  locations: PatternLocation[];
  enabled: boolean;
  version: number;
  sourceRuns: string[];
  lastScanAt: Date | null;
  lastScanCommit: string | null;
  updatedAt: Date;
};

const view = (r: Row): PatternView => ({
  id: r.id,
  key: r.key,
  source: r.source,
  rule: r.rule,
  title: r.title,
  severity: r.severity,
  doNot: r.do_not,
  instead: r.instead,
  example: r.example,
  occurrences: r.occurrences,
  locations: r.locations,
  enabled: r.enabled,
  version: r.version,
  sourceRuns: r.source_runs,
  lastScanAt: r.last_scan_at,
  lastScanCommit: r.last_scan_commit,
  updatedAt: r.updated_at,
});

const bySeverity = (a: PatternView, b: PatternView) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.occurrences - a.occurrences || a.key.localeCompare(b.key);

async function ensureProject(db: DB, orgId: string, projectId: string) {
  const p = await db.selectFrom('projects').select('id').where('org_id', '=', orgId).where('id', '=', projectId).executeTakeFirst();
  if (!p) throw new AppError('NOT_FOUND', 'Project not found');
}

/** The project's patterns, most severe first. */
export async function listPatterns(db: DB, scope: OrgScope, input: { projectId: string }): Promise<PatternView[]> {
  await ensureProject(db, scope.orgId, input.projectId);
  const rows = (await db.selectFrom('learned_patterns').select(COLUMNS).where('org_id', '=', scope.orgId).where('project_id', '=', input.projectId).execute()) as Row[];
  return rows.map(view).sort(bySeverity);
}

/** The switched-on patterns of a project, for the prompt section and the diff guard (no role check: pipeline use). */
export async function activePatterns(db: DB, input: { orgId: string; projectId: string }): Promise<PatternView[]> {
  const rows = (await db
    .selectFrom('learned_patterns')
    .select(COLUMNS)
    .where('org_id', '=', input.orgId)
    .where('project_id', '=', input.projectId)
    .where('enabled', '=', true)
    .execute()) as Row[];
  return rows.map(view).sort(bySeverity);
}

/** Rule ids a project switched off: the diff guard leaves them alone. */
export async function disabledRules(db: DB, input: { orgId: string; projectId: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('learned_patterns')
    .select('rule')
    .where('org_id', '=', input.orgId)
    .where('project_id', '=', input.projectId)
    .where('enabled', '=', false)
    .where('rule', 'is not', null)
    .execute();
  return rows.map((r) => r.rule!);
}

async function patternRow(db: DB, orgId: string, patternId: string): Promise<Row> {
  const row = (await db.selectFrom('learned_patterns').select(COLUMNS).where('org_id', '=', orgId).where('id', '=', patternId).executeTakeFirst()) as Row | undefined;
  if (!row) throw new AppError('NOT_FOUND', 'Pattern not found');
  return row;
}

export async function patternHistory(db: DB, scope: OrgScope, input: { patternId: string }) {
  await patternRow(db, scope.orgId, input.patternId);
  const rows = await db
    .selectFrom('learned_pattern_versions')
    .leftJoin('users', 'users.id', 'learned_pattern_versions.author_id')
    .select([
      'learned_pattern_versions.version', 'learned_pattern_versions.title', 'learned_pattern_versions.severity', 'learned_pattern_versions.do_not as doNot',
      'learned_pattern_versions.instead', 'learned_pattern_versions.enabled', 'learned_pattern_versions.example', 'learned_pattern_versions.change',
      'learned_pattern_versions.created_at as createdAt', 'users.name as author',
    ])
    .where('learned_pattern_versions.org_id', '=', scope.orgId)
    .where('learned_pattern_versions.pattern_id', '=', input.patternId)
    .orderBy('learned_pattern_versions.version', 'desc')
    .execute();
  return rows;
}

type Editable = { title: string; severity: PatternSeverity; do_not: string; instead: string; enabled: boolean; example: PatternLocation | null };

/**
 * Writes a new version of a pattern's editable fields. `expectedVersion` guards against two
 * people editing at once: the second save is refused and reloads.
 */
async function writeVersion(db: DB, orgId: string, patternId: string, expectedVersion: number, next: Editable, change: string, authorId: string | null): Promise<Row> {
  return db.transaction().execute(async (trx) => {
    const updated = (await trx
      .updateTable('learned_patterns')
      .set({ ...next, example: next.example === null ? null : JSON.stringify(next.example), version: expectedVersion + 1, updated_at: new Date() })
      .where('org_id', '=', orgId)
      .where('id', '=', patternId)
      .where('version', '=', expectedVersion)
      .returning(COLUMNS)
      .executeTakeFirst()) as Row | undefined;
    if (!updated) throw new AppError('CONFLICT', 'This pattern was changed meanwhile; reload it and make your change again');
    await trx
      .insertInto('learned_pattern_versions')
      .values({ pattern_id: patternId, org_id: orgId, version: updated.version, ...next, example: next.example === null ? null : JSON.stringify(next.example), change, author_id: authorId })
      .execute();
    return updated;
  });
}

const editable = (r: Row): Editable => ({ title: r.title, severity: r.severity, do_not: r.do_not, instead: r.instead, enabled: r.enabled, example: r.example });

export async function updatePattern(
  db: DB,
  scope: OrgScope,
  input: { patternId: string; expectedVersion: number; title?: string; severity?: PatternSeverity; doNot?: string; instead?: string; enabled?: boolean },
): Promise<PatternView> {
  requireRole(scope, 'member');
  const row = await patternRow(db, scope.orgId, input.patternId);
  const next: Editable = {
    ...editable(row),
    ...(input.title !== undefined ? { title: input.title.trim() } : {}),
    ...(input.severity !== undefined ? { severity: input.severity } : {}),
    ...(input.doNot !== undefined ? { do_not: input.doNot.trim() } : {}),
    ...(input.instead !== undefined ? { instead: input.instead.trim() } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
  };
  const onlySwitch = input.enabled !== undefined && input.title === undefined && input.severity === undefined && input.doNot === undefined && input.instead === undefined;
  return view(await writeVersion(db, scope.orgId, row.id, input.expectedVersion, next, onlySwitch ? 'switched' : 'edited', scope.userId));
}

/** Makes an earlier version's fields current again, as a new version. */
export async function revertPattern(db: DB, scope: OrgScope, input: { patternId: string; version: number }): Promise<PatternView> {
  requireRole(scope, 'member');
  const row = await patternRow(db, scope.orgId, input.patternId);
  const old = await db
    .selectFrom('learned_pattern_versions')
    .select(['title', 'severity', 'do_not', 'instead', 'enabled', 'example'])
    .where('org_id', '=', scope.orgId)
    .where('pattern_id', '=', row.id)
    .where('version', '=', input.version)
    .executeTakeFirst();
  if (!old) throw new AppError('NOT_FOUND', `Version ${input.version} of this pattern does not exist`);
  return view(await writeVersion(db, scope.orgId, row.id, row.version, { ...old, example: old.example as PatternLocation | null }, `reverted to ${input.version}`, scope.userId));
}

const locationOf = (f: Pick<ScanFinding, 'file' | 'line' | 'snippet'>): PatternLocation => ({ file: f.file, line: f.line, snippet: f.snippet });
const sameLocation = (a: PatternLocation | null, f: ScanFinding) => !!a && a.file === f.file && a.snippet === f.snippet;

/**
 * Files a scan's findings into the project's patterns: one pattern per rule that fired (created
 * on first sight, with the first occurrence as its negative example), counts and locations
 * refreshed; a checked rule that no longer fires drops to 0 occurrences. People's edits stay.
 */
export async function recordScan(db: DB, input: { orgId: string; projectId: string; commit: string | null; findings: readonly ScanFinding[]; rulesChecked: readonly string[] }) {
  await ensureProject(db, input.orgId, input.projectId);
  const byRule = new Map<string, ScanFinding[]>();
  for (const f of input.findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const now = new Date();
  let learned = 0;
  let updated = 0;
  for (const [rule, fs] of byRule) {
    const info = ruleById(rule);
    if (!info) continue;
    const sorted = [...fs].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const locations = JSON.stringify(sorted.slice(0, MAX_LOCATIONS).map(locationOf));
    const example = locationOf(sorted[0]);
    const inserted = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('learned_patterns')
        .values({
          org_id: input.orgId,
          project_id: input.projectId,
          key: rule,
          source: 'scan',
          rule,
          title: info.title,
          severity: info.severity,
          do_not: info.title,
          instead: info.instead,
          example: JSON.stringify(example),
          locations,
          occurrences: fs.length,
          last_scan_at: now,
          last_scan_commit: input.commit,
        })
        .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
        .returning(['id', 'title', 'severity', 'do_not', 'instead', 'enabled'])
        .executeTakeFirst();
      if (row) {
        await trx
          .insertInto('learned_pattern_versions')
          .values({ pattern_id: row.id, org_id: input.orgId, version: 1, title: row.title, severity: row.severity, do_not: row.do_not, instead: row.instead, enabled: row.enabled, example: JSON.stringify(example), change: 'learned' })
          .execute();
      }
      return !!row;
    });
    if (inserted) {
      learned++;
      continue;
    }
    const current = (await db.selectFrom('learned_patterns').select(COLUMNS).where('project_id', '=', input.projectId).where('key', '=', rule).executeTakeFirstOrThrow()) as Row;
    await db
      .updateTable('learned_patterns')
      .set({ occurrences: fs.length, locations, last_scan_at: now, last_scan_commit: input.commit, rule, updated_at: now })
      .where('id', '=', current.id)
      .execute();
    // The negative example must still be in the repository: a fixed one is replaced (a new version).
    if (!sorted.some((f) => sameLocation(current.example, f))) {
      await writeVersion(db, input.orgId, current.id, current.version, { ...editable(current), example }, 'example updated by scan', null).catch((err: unknown) => {
        // Someone edited it in the same instant: their version stands, the next scan retries.
        if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
      });
    }
    updated++;
  }
  const gone = input.rulesChecked.filter((r) => !byRule.has(r));
  const cleared = gone.length
    ? await db
        .updateTable('learned_patterns')
        .set({ occurrences: 0, locations: '[]', last_scan_at: now, last_scan_commit: input.commit, updated_at: now })
        .where('org_id', '=', input.orgId)
        .where('project_id', '=', input.projectId)
        .where('rule', 'in', gone)
        .where('occurrences', '>', 0)
        .executeTakeFirst()
    : undefined;
  return { learned, updated, cleared: Number(cleared?.numUpdatedRows ?? 0) };
}

export type ReviewFindingInput = { message: string; file?: string | null; line?: number | null; evidence?: string | null; rule?: string | null; severity?: string | null };

const FINDING_SEVERITY: Record<string, PatternSeverity> = { blocker: 'high', major: 'medium', minor: 'low' };
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Stores a task's QA/reviewer findings and learns the ones that recur: when the same rule or the
 * same message cluster has now been found in {@link RECURRENCE_THRESHOLD} or more tasks of the
 * project, it becomes (or refreshes) a learned pattern naming the runs it came from.
 */
export async function recordReviewFindings(
  db: DB,
  input: { orgId: string; projectId: string; runId: string; taskId: string | null; role: string; findings: readonly ReviewFindingInput[] },
): Promise<PatternView[]> {
  const findings = input.findings.filter((f) => f.message?.trim());
  if (findings.length === 0) return [];
  const existing = await db
    .selectFrom('review_findings')
    .select('cluster')
    .distinct()
    .where('project_id', '=', input.projectId)
    .where('cluster', 'not like', 'rule:%')
    .orderBy('cluster')
    .limit(2000)
    .execute();
  const clusters = existing.map((r) => r.cluster);
  const rows = findings.map((f) => {
    const rule = (f.rule && ruleById(f.rule) ? f.rule : undefined) ?? ruleForFinding(f);
    const cluster = rule ? `rule:${rule}` : clusterFor(messageSignature(f.message) || clip(f.message.toLowerCase(), 120), clusters);
    if (!rule && !clusters.includes(cluster)) clusters.push(cluster);
    return {
      org_id: input.orgId,
      project_id: input.projectId,
      run_id: input.runId,
      task_id: input.taskId,
      role: input.role,
      rule: rule ?? null,
      cluster,
      message: clip(f.message.trim(), 2000),
      file: f.file ?? null,
      line: f.line ?? null,
      evidence: f.evidence ? clip(f.evidence, 2000) : null,
    };
  });
  await db.insertInto('review_findings').values(rows).execute();

  const learned: PatternView[] = [];
  for (const cluster of [...new Set(rows.map((r) => r.cluster))]) {
    const seen = await db
      .selectFrom('review_findings')
      .select([sql<number>`count(distinct coalesce(task_id::text, run_id::text))::int`.as('tasks'), sql<string[]>`array_agg(distinct run_id::text)`.as('runs')])
      .where('project_id', '=', input.projectId)
      .where('cluster', '=', cluster)
      .executeTakeFirstOrThrow();
    if (seen.tasks < RECURRENCE_THRESHOLD) continue;
    const latest = await db
      .selectFrom('review_findings')
      .select(['message', 'file', 'line', 'evidence', 'rule'])
      .where('project_id', '=', input.projectId)
      .where('cluster', '=', cluster)
      .orderBy(sql`file is null`)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const sample = rows.find((r) => r.cluster === cluster)!;
    const rule = sample.rule ? ruleById(sample.rule) : undefined;
    learned.push(
      await learnPattern(db, {
        orgId: input.orgId,
        projectId: input.projectId,
        key: rule ? rule.id : `finding:${clip(cluster, 200)}`,
        source: 'review',
        rule: rule?.id ?? null,
        title: rule?.title ?? clip(latest.message, 100),
        severity: rule?.severity ?? FINDING_SEVERITY[findings.find((f) => f.message.trim() === sample.message)?.severity ?? ''] ?? 'medium',
        doNot: rule?.title ?? clip(latest.message, 300),
        instead:
          rule?.instead ??
          `Check the changed code for this before finishing and fix it the way the reviewers asked (found in ${seen.tasks} tasks). Edit this text with the fix this repository prefers.`,
        example: latest.file ? { file: latest.file, ...(latest.line ? { line: latest.line } : {}), ...(latest.evidence ? { snippet: clip(latest.evidence, 200) } : {}) } : null,
        sourceRuns: seen.runs,
      }),
    );
  }
  return learned;
}

/**
 * Creates a pattern, or adds source runs (and a missing example) to the one with the same key.
 * The entry point for every learner: scans go through {@link recordScan}; recurring review
 * findings and the self-improvement loop's observations come here.
 */
export async function learnPattern(
  db: DB,
  input: {
    orgId: string;
    projectId: string;
    key: string;
    source: PatternSource;
    rule: string | null;
    title: string;
    severity: PatternSeverity;
    doNot: string;
    instead: string;
    example: PatternLocation | null;
    sourceRuns: readonly string[];
  },
): Promise<PatternView> {
  return db.transaction().execute(async (trx) => {
    const created = (await trx
      .insertInto('learned_patterns')
      .values({
        org_id: input.orgId,
        project_id: input.projectId,
        key: input.key,
        source: input.source,
        rule: input.rule,
        title: input.title,
        severity: input.severity,
        do_not: input.doNot,
        instead: input.instead,
        example: input.example ? JSON.stringify(input.example) : null,
        source_runs: JSON.stringify([...new Set(input.sourceRuns)].sort()),
      })
      .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
      .returning(COLUMNS)
      .executeTakeFirst()) as Row | undefined;
    if (created) {
      await trx
        .insertInto('learned_pattern_versions')
        .values({ pattern_id: created.id, org_id: input.orgId, version: 1, ...editable(created), example: created.example ? JSON.stringify(created.example) : null, change: 'learned' })
        .execute();
      return view(created);
    }
    const row = (await trx
      .updateTable('learned_patterns')
      .set({
        source_runs: sql`(select coalesce(jsonb_agg(distinct r order by r), '[]'::jsonb) from jsonb_array_elements_text(learned_patterns.source_runs || ${JSON.stringify(input.sourceRuns)}::jsonb) as r)`,
        example: input.example ? sql`coalesce(learned_patterns.example, ${JSON.stringify(input.example)}::jsonb)` : sql`learned_patterns.example`,
        updated_at: new Date(),
      })
      .where('project_id', '=', input.projectId)
      .where('key', '=', input.key)
      .where('org_id', '=', input.orgId)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow()) as Row;
    return view(row);
  });
}
