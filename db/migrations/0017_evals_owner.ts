import type { Kysely } from 'kysely';

// Evals (issue 15): the process driving an eval run (a CLI or a worker, by its liveness-lock id),
// so a run whose process died is shown — and settled — as failed instead of running forever.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('eval_runs').addColumn('owner', 'text').execute();
}
