import { CompiledQuery, type Kysely, type Transaction } from 'kysely';

/**
 * pg-boss accepts `{ db: { executeSql } }` to run its SQL on another connection. Passing the
 * Kysely transaction makes "mark the task queued" and "create its job" one atomic step: a crash
 * between the two can leave neither half behind.
 */
export function bossDb(trx: Transaction<any> | Kysely<any>) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const res = await trx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: res.rows as any[] };
    },
  };
}
