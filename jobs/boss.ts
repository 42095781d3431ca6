import PgBoss from 'pg-boss';
import { getLogger } from '../server/observability/logger';

export const BOSS_SCHEMA = 'pgboss';

/** pg-boss on the same database as the app, in its own schema. */
export function createBoss(connectionString: string): PgBoss {
  const boss = new PgBoss({
    connectionString,
    schema: BOSS_SCHEMA,
    max: 5,
    // Cron is checked often enough that a heartbeat scheduled every minute fires on time.
    cronMonitorIntervalSeconds: 30,
    application_name: 'nightshift-jobs',
  });
  // pg-boss reports background failures (a lost connection) as events; a crashed listener would
  // take the process down, so they are logged instead.
  boss.on('error', (err) => getLogger({ component: 'jobs' }).error({ err }, `pg-boss: ${err.message}`));
  return boss;
}
