import { sql, type Kysely } from 'kysely';

// Self-improvement (issue 16, items 7–10), per organisation: each report of the reporter (a cycle
// run by the schedule, the CLI or a person), the observations it mined from recent runs (a failure
// cause, how many runs showed it and which, an example), the proposals the reporter agent made
// from them (a prompt or skill patch, a documentation update, an eval challenge), and the
// calibration of each prompt/skill proposal (the org's eval suite with and without it, the observed
// failures re-run). Eval runs made by a calibration are marked so they are not taken for the
// organisation's own evals.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rsi_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // schedule: the per-organisation cron; cli: nightshift rsi; manual: "Run now" on the page.
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('schedule', 'cli', 'manual')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'finished', 'failed')`))
    // The window of runs mined.
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addColumn('until', 'timestamptz')
    .addColumn('runs_mined', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('observations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('proposals', 'integer', (c) => c.notNull().defaultTo(0))
    // The reporter agent's model; null: no model configured, observations only.
    .addColumn('model', 'text')
    .addColumn('summary', 'text')
    .addColumn('error', 'text')
    .addColumn('job_id', 'text')
    .addColumn('started_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('rsi_reports_org_created_idx').on('rsi_reports').columns(['org_id', 'created_at']).execute();
  // At most one scheduled or page-started report queued or running per organisation: the schedule
  // claims it in one statement. The CLI's reports are the operator's and may overlap.
  await sql`create unique index rsi_reports_one_open_idx on rsi_reports (org_id) where status in ('queued', 'running') and trigger <> 'cli'`.execute(db);

  await db.schema
    .createTable('rsi_observations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('report_id', 'uuid', (c) => c.notNull().references('rsi_reports.id').onDelete('cascade'))
    // Stable across reports for the same cause: kind, subject and message signature.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pattern', 'text', (c) => c.notNull())
    // Distinct runs that showed it, and how many of them failed.
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('failed_runs', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('runs', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // { runId, taskId?, text }
    .addColumn('example', 'jsonb', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('rsi_observations_report_idx').on('rsi_observations').columns(['org_id', 'report_id']).execute();
  await db.schema.createIndex('rsi_observations_key_idx').on('rsi_observations').columns(['org_id', 'key']).execute();

  await db.schema
    .createTable('rsi_proposals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('report_id', 'uuid', (c) => c.references('rsi_reports.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('prompt', 'skill', 'doc', 'eval-challenge')`))
    // A prompt path under prompts/, a skill name, a document path, or an eval task id.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('rationale', 'text', (c) => c.notNull().defaultTo(''))
    // The observations it addresses (ids of rsi_observations).
    .addColumn('observation_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // The patch as proposed: [{ search, replace }] for prompts, skills and documents.
    .addColumn('edits', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // What the patch applied to (the prompt's override version, null: built-in) and the texts.
    .addColumn('base_version', 'integer')
    .addColumn('before_text', 'text')
    .addColumn('after_text', 'text')
    // An eval challenge: { id, title, prompt, verify, timeoutSec?, files, hidden }.
    .addColumn('challenge', 'jsonb')
    .addColumn('project_id', 'uuid', (c) => c.references('projects.id').onDelete('set null'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('proposed', 'rejected', 'calibrating', 'awaiting-approval', 'adopted', 'reverted', 'dismissed', 'error')`),
    )
    .addColumn('status_reason', 'text')
    .addColumn('model', 'text')
    // What adoption made: { promptVersion } | { skill, previousManifest } | { specId } | { challenge }.
    .addColumn('adopted_ref', 'jsonb')
    .addColumn('adopted_at', 'timestamptz')
    .addColumn('adopted_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reverted_at', 'timestamptz')
    .addColumn('reverted_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('rsi_proposals_org_created_idx').on('rsi_proposals').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('rsi_calibrations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('proposal_id', 'uuid', (c) => c.notNull().references('rsi_proposals.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running').check(sql`status in ('running', 'passed', 'failed', 'error')`))
    .addColumn('suite', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('baseline_eval_run_id', 'uuid', (c) => c.references('eval_runs.id').onDelete('set null'))
    .addColumn('candidate_eval_run_id', 'uuid', (c) => c.references('eval_runs.id').onDelete('set null'))
    .addColumn('baseline_pass_rate', 'double precision')
    .addColumn('candidate_pass_rate', 'double precision')
    .addColumn('baseline_passed', 'integer')
    .addColumn('baseline_runs', 'integer')
    .addColumn('candidate_passed', 'integer')
    .addColumn('candidate_runs', 'integer')
    // Each observed failing run and how its re-run with the proposal went.
    .addColumn('reruns', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('fixed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verdict', 'text')
    .addColumn('error', 'text')
    // Every run the calibration made (kept out of later mining).
    .addColumn('run_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('rsi_calibrations_proposal_idx').on('rsi_calibrations').columns(['org_id', 'proposal_id']).execute();

  await db.schema
    .alterTable('eval_runs')
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('eval').check(sql`purpose in ('eval', 'calibration')`))
    .execute();
}
