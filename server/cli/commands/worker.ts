import { dataDir } from '../../config';
import { openDatabase } from '../../boot';
import { startJobs } from '../../../jobs/runtime';
import { createPublisher } from '../../realtime/publish';
import { StartupError } from '../../data-dir';
import { getLogger } from '../../observability/logger';
import { metricsListenAddress, startMetricsServer } from '../../http/ops-routes';

const log = (msg: string) => getLogger({ component: 'worker' }).info(msg);

/**
 * A worker-only process for scale-out: pg-boss workers and the scheduler, no web server. With
 * NIGHTSHIFT_METRICS_PORT it serves /metrics and the health endpoints on that port (probes,
 * Prometheus).
 */
export async function run(): Promise<number> {
  try {
    const metricsAddr = metricsListenAddress();
    const rt = await openDatabase({ dataDir: dataDir(), own: false, log });
    const jobs = await startJobs({ connectionString: rt.url, db: rt.db, publish: createPublisher(rt.db, rt.pool), log });
    const metricsServer = metricsAddr ? await startMetricsServer(metricsAddr, { rt, jobs, log: (m) => getLogger({ component: 'worker' }).error(m) }) : null;
    log(`worker ${jobs.workerId} started (database: ${rt.mode})`);
    let stopping = false;
    const stop = async () => {
      if (stopping) process.exit(1);
      stopping = true;
      await jobs.stop().catch(() => {});
      await metricsServer?.close().catch(() => {});
      await rt.close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return await new Promise<number>(() => {});
  } catch (err) {
    getLogger({ component: 'worker' }).error(err instanceof StartupError ? err.message : `start-up failed: ${String((err as Error).stack ?? err)}`);
    return 1;
  }
}
