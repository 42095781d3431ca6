import type { z } from 'zod';
import type PgBoss from 'pg-boss';
import type { DB } from '../server/db/client';
import type { Publisher } from '../server/realtime/publish';

export type JobContext = {
  db: DB;
  boss: PgBoss;
  publish: Publisher;
  workerId: string;
  /** The database's connection string: for jobs that hold a lock on a connection of their own (eval runs). */
  connectionString?: string;
};

/**
 * A job kind: a queue name, the zod schema of its payload, and a handler. Handlers are written as
 * named steps that are safe to run again: pg-boss retries a job whose worker died.
 */
export type JobDefinition<P extends z.ZodTypeAny = z.ZodTypeAny> = {
  id: string;
  payload: P;
  queue?: Omit<PgBoss.Queue, 'name'>;
  work?: PgBoss.WorkOptions;
  /** Cron expression for jobs that run on a schedule. */
  cron?: string;
  handler(data: z.infer<P>, ctx: JobContext, job: PgBoss.Job<unknown>): Promise<unknown>;
};
