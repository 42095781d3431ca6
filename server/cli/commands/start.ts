import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { dataDir, httpPort } from '../../config';
import { openDatabase, type DatabaseRuntime } from '../../boot';
import { startHttpServer, projectRoot } from '../../http/server';
import { startJobs, type WorkerRuntime } from '../../../jobs/runtime';
import { createPublisher } from '../../realtime/publish';
import { StartupError } from '../../data-dir';
import { localRepositoryPolicyProblems, localRepositoryViolations } from '../../services/repositories';
import { configureLogging, getLogger } from '../../observability/logger';
import { metricsListenAddress, startMetricsServer } from '../../http/ops-routes';
import { shutdownGraceMs } from '../../../jobs/shutdown';

// Resolved per line: `--dev` reconfigures the logger after this module loads.
const log = (msg: string) => getLogger({ component: 'start' }).info(msg);
const warn = (msg: string) => getLogger({ component: 'start' }).warn(msg);
const fail = (msg: string) => getLogger({ component: 'start' }).error(msg);

const BUILD_INPUTS = ['app', 'components', 'server', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];
const BUILD_MARKER = path.join('.next', 'nightshift-build.json');

/** Size and mtime of every file the web bundle is built from: a changed source means a rebuild. */
function sourceFingerprint(root: string): string {
  const parts: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) if (!name.startsWith('.') && name !== 'node_modules') walk(path.join(rel, name));
    } else if (!/\.test\.tsx?$/.test(rel)) parts.push(`${rel}:${st.size}:${st.mtimeMs}`);
  };
  BUILD_INPUTS.forEach(walk);
  return crypto.createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Builds the web app on the first production start, and again when its sources changed. */
export function ensureBuilt(root: string, force: boolean): void {
  const fingerprint = sourceFingerprint(root);
  const marker = path.join(root, BUILD_MARKER);
  const built = fs.existsSync(marker) && JSON.parse(fs.readFileSync(marker, 'utf8')).fingerprint === fingerprint;
  if (built && !force) return;
  log('building the web app (first start, or the sources changed; takes a minute or two)…');
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) throw new StartupError('`next build` failed (see its output above).');
  fs.writeFileSync(marker, JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }));
}

/**
 * Projects whose local-path repository the organisation may not use (NIGHTSHIFT_LOCAL_REPOS, one
 * organisation per path) are named here; their questions, plans and runs are refused.
 */
async function reportLocalRepositories(rt: DatabaseRuntime): Promise<void> {
  for (const problem of localRepositoryPolicyProblems()) warn(problem);
  for (const v of await localRepositoryViolations(rt.db)) {
    warn(
      `project "${v.projectName}" (${v.projectId}) of organization "${v.orgSlug}" uses the local repository ${v.repository}, ` +
        `which that organization may not use (${v.reason}); its questions, plans and runs are refused until it points at a granted path or a git URL`,
    );
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dev: { type: 'boolean', default: false },
      'no-worker': { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      // The API, Socket.IO and health without the web pages: no Next.js build (API-only replicas, tests).
      'api-only': { type: 'boolean', default: false },
    },
  });
  const t0 = Date.now();
  const root = projectRoot();
  const dir = dataDir();
  const dev = values.dev ?? false;
  const pages = !values['api-only'];
  // `npm run dev`: human-readable logs.
  if (dev && process.env.NIGHTSHIFT_LOG_PRETTY === undefined) configureLogging({ pretty: true });
  const withWorkers = !values['no-worker'] && process.env.NIGHTSHIFT_WORKERS !== '0';
  process.env.NEXT_TELEMETRY_DISABLED = '1';

  let rt: DatabaseRuntime | null = null;
  let jobs: WorkerRuntime | null = null;
  let http: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  let metricsServer: { close(): Promise<void> } | null = null;
  let stopping = false;

  const grace = shutdownGraceMs();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down (grace ${grace / 1000} s)`);
    // The grace period is a promise to the orchestrator: past it, exit whatever is still running.
    setTimeout(() => {
      fail(`grace period of ${grace / 1000} s over; exiting with work still running`);
      process.exit(1);
    }, Math.max(grace, 1_000));
    await http?.close().catch(() => {});
    // In-process workers: no new jobs; running tasks finish their turn in flight and are handed back.
    await jobs?.stop({ graceMs: grace }).catch(() => {});
    await metricsServer?.close().catch(() => {});
    await rt?.close();
    log('stopped');
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) {
        warn('forced exit');
        process.exit(1);
      }
      void shutdown(sig);
    });
  }

  try {
    const port = httpPort();
    if (!dev && pages) ensureBuilt(root, values.build ?? false);
    rt = await openDatabase({ dataDir: dir, own: true, log });
    log(`database: ${rt.mode}${rt.mode === 'embedded-postgres' ? ` in ${dir}` : ''}; migrations applied: ${rt.migrations.applied.length}`);
    process.env.NEXTAUTH_URL ||= `http://localhost:${port}`;
    await reportLocalRepositories(rt);
    const publish = createPublisher(rt.db, rt.pool);
    // pg-boss always starts (the API enqueues jobs); workers and the scheduler only when asked.
    jobs = await startJobs({ connectionString: rt.url, db: rt.db, publish, work: withWorkers, log });
    http = await startHttpServer({ rt, jobs, port, dev, projectDir: root, log: (m) => getLogger({ component: 'http' }).error(m), pages });
    const metricsAddr = metricsListenAddress();
    if (metricsAddr) metricsServer = await startMetricsServer(metricsAddr, { rt, jobs, log: (m) => getLogger({ component: 'http' }).error(m) });
    log(`ready on http://localhost:${http.port} in ${Date.now() - t0} ms${withWorkers ? ' (workers in-process)' : ''}`);
    return await new Promise<number>(() => {});
  } catch (err) {
    const msg = err instanceof StartupError ? err.message : `start-up failed: ${(err as Error).stack ?? err}`;
    fail(msg);
    await metricsServer?.close().catch(() => {});
    await http?.close().catch(() => {});
    await jobs?.stop().catch(() => {});
    await rt?.close();
    return 1;
  }
}
