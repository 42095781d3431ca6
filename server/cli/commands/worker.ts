import { dataDir } from '../../config';
import { openDatabase } from '../../boot';
import { startJobs } from '../../../jobs/runtime';
import { createPublisher } from '../../realtime/publish';
import { StartupError } from '../../data-dir';
import { getLogger } from '../../observability/logger';
import { metricsListenAddress, startMetricsServer } from '../../http/ops-routes';
import { shutdownGraceMs } from '../../../jobs/shutdown';
import type { TaskExecutor } from '../../../jobs/scheduler/types';

const log = (msg: string) => getLogger({ component: 'worker' }).info(msg);

/**
 * A worker-only process for scale-out: pg-boss workers and the scheduler, no web server. With
 * NIGHTSHIFT_METRICS_PORT it serves /metrics and the health endpoints on that port (probes,
 * Prometheus).
 */
export async function run(): Promise<number> {
  return runWorker();
}

/** The worker process; `executor` replaces the agent pipeline (the multi-process tests run scripted tasks through it). */
export async function runWorker(opts: { executor?: TaskExecutor } = {}): Promise<number> {
  try {
    const metricsAddr = metricsListenAddress();
    shutdownGraceMs(); // a malformed value fails at start, not at the first SIGTERM
    const rt = await openDatabase({ dataDir: dataDir(), own: false, log });
    const jobs = await startJobs({ connectionString: rt.url, db: rt.db, publish: createPublisher(rt.db, rt.pool), log, ...(opts.executor ? { executor: opts.executor } : {}) });
    const metricsServer = metricsAddr ? await startMetricsServer(metricsAddr, { rt, jobs, log: (m) => getLogger({ component: 'worker' }).error(m) }) : null;
    log(`worker ${jobs.workerId} started (database: ${rt.mode})`);
    let stopping = false;
    const grace = shutdownGraceMs();
    const stop = async (signal: string) => {
      if (stopping) {
        getLogger({ component: 'worker' }).warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      const t0 = Date.now();
      log(`${signal}: shutting down — no new jobs; running tasks finish their turn in flight and are handed back (grace ${grace / 1000} s)`);
      // The grace period is a promise to the orchestrator: past it, exit whatever is still running.
      setTimeout(() => {
        getLogger({ component: 'worker' }).error(`grace period of ${grace / 1000} s over; exiting with work still running (the reaper hands it to another worker)`);
        process.exit(1);
      }, Math.max(grace, 1_000));
      const outcome = await jobs.stop({ graceMs: grace }).catch((err) => {
        getLogger({ component: 'worker' }).error(`shutdown failed: ${(err as Error).message}`);
        return null;
      });
      await metricsServer?.close().catch(() => {});
      await rt.close();
      getLogger({ component: 'worker' }).info(
        { tasksRunning: outcome?.running ?? 0, abortedBeforeCheckpoint: outcome?.aborted ?? 0, releasedAfterWait: outcome?.releasedAfter ?? 0, durationMs: Date.now() - t0 },
        'worker stopped',
      );
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    return await new Promise<number>(() => {});
  } catch (err) {
    getLogger({ component: 'worker' }).error(err instanceof StartupError ? err.message : `start-up failed: ${String((err as Error).stack ?? err)}`);
    return 1;
  }
}
