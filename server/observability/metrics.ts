import client from 'prom-client';
import { costOf, observeModelCalls, type StreamPart } from '../llm';
import { observeGitCalls } from '../repos/git';

/**
 * Every metric of a Nightshift process, in one prom-client registry: the default process metrics
 * (CPU, memory, event loop, GC) plus the product's own. Labels only ever carry bounded values —
 * statuses, queue names, providers, drivers, route templates — never organisations, users, runs
 * or raw paths, so a deployment's series count does not grow with its tenants.
 *
 * Counters and histograms are fed where things happen (task endings, model calls, sandbox starts,
 * HTTP responses); gauges that describe shared state (queue depth, active runs, heartbeats, live
 * sockets) read it at scrape time from sources the process registers ({@link setMetricsSources}).
 */

export type MetricsSources = {
  /** Jobs waiting per queue (pg-boss). */
  queueDepths?: () => Promise<Record<string, number>>;
  /** Runs planning or running, deployment-wide. */
  runsActive?: () => Promise<number>;
  /** Socket.IO clients connected to this process. */
  socketConnections?: () => number;
  /**
   * Seconds since heartbeats: `self` — this process's own last heartbeat (processes that run
   * workers); `newest` — the freshest heartbeat of any worker process of the deployment.
   */
  heartbeatAges?: () => Promise<{ self?: number; newest?: number }>;
};

type Metrics = ReturnType<typeof createMetrics>;

const KEY = Symbol.for('nightshift.metrics');

/** Buckets: seconds for tasks (seconds to hours), model calls, sandbox starts and HTTP requests. */
const TASK_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const LLM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160];
const SANDBOX_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const GIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** git subcommands counted under their own name; any other is `other` (labels stay bounded). */
const GIT_COMMANDS = new Set(['clone', 'fetch', 'push', 'worktree', 'checkout', 'switch', 'commit', 'add', 'rm', 'reset', 'merge', 'merge-base', 'rebase', 'rev-parse', 'rev-list', 'diff', 'status', 'log', 'show', 'branch', 'tag', 'update-ref', 'symbolic-ref', 'for-each-ref', 'init', 'config', 'remote', 'cat-file', 'ls-files', 'ls-tree', 'read-tree', 'write-tree', 'commit-tree', 'update-index', 'hash-object', 'sparse-checkout', 'apply', 'stash', 'clean', 'gc']);

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const sources: MetricsSources = {};
  const m = {
    registry,
    sources,
    tasksTotal: new client.Counter({
      name: 'nightshift_tasks_total',
      help: 'Task executions that ended on this process, by how they ended (succeeded, failed, error = retried or dead, cancelled, lost = given up to another worker).',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    taskDuration: new client.Histogram({
      name: 'nightshift_task_duration_seconds',
      help: 'Wall time of one task execution on this process, claim to ending.',
      labelNames: ['status'] as const,
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    queueDepth: new client.Gauge({
      name: 'nightshift_queue_depth',
      help: 'Jobs waiting in each pg-boss queue (deployment-wide; read at scrape time).',
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        if (!sources.queueDepths) return;
        const depths = await sources.queueDepths().catch(() => null);
        if (depths) for (const [queue, n] of Object.entries(depths)) this.set({ queue }, n);
      },
    }),
    runsActive: new client.Gauge({
      name: 'nightshift_runs_active',
      help: 'Runs planning or running (deployment-wide; read at scrape time).',
      registers: [registry],
      async collect() {
        if (!sources.runsActive) return;
        const n = await sources.runsActive().catch(() => null);
        if (n !== null) this.set(n);
      },
    }),
    llmRequests: new client.Counter({
      name: 'nightshift_llm_requests_total',
      help: 'Model requests made by this process, by provider and outcome (ok, or the error kind: http, network, timeout, provider, protocol, aborted).',
      labelNames: ['provider', 'status'] as const,
      registers: [registry],
    }),
    llmLatency: new client.Histogram({
      name: 'nightshift_llm_latency_seconds',
      help: 'Model request latency: phase="first_token" until the first streamed content, phase="total" until the stream ended.',
      labelNames: ['provider', 'phase'] as const,
      buckets: LLM_BUCKETS,
      registers: [registry],
    }),
    llmTokens: new client.Counter({
      name: 'nightshift_llm_tokens_total',
      help: 'Tokens reported by providers, by direction (input, output, cache_read, cache_write).',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    llmCost: new client.Counter({
      name: 'nightshift_llm_cost_usd_total',
      help: 'Estimated cost in USD of the model calls of this process (priced models only).',
      registers: [registry],
    }),
    sandboxStarts: new client.Counter({
      name: 'nightshift_sandbox_starts_total',
      help: 'Task sandboxes started, by driver (bwrap, docker, none).',
      labelNames: ['driver'] as const,
      registers: [registry],
    }),
    sandboxStartSeconds: new client.Histogram({
      name: 'nightshift_sandbox_start_seconds',
      help: 'Time to create and start a task sandbox, by driver.',
      labelNames: ['driver'] as const,
      buckets: SANDBOX_BUCKETS,
      registers: [registry],
    }),
    gitSeconds: new client.Histogram({
      name: 'nightshift_git_seconds',
      help: 'git calls of this process (mirrors, worktrees, checkpoint commits, pushes), by subcommand.',
      labelNames: ['command'] as const,
      buckets: GIT_BUCKETS,
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'nightshift_http_request_duration_seconds',
      help: 'HTTP requests served, by route template (never a raw path) and status code.',
      labelNames: ['route', 'status'] as const,
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
    socketConnections: new client.Gauge({
      name: 'nightshift_socket_connections',
      help: 'Socket.IO clients connected to this process.',
      registers: [registry],
      collect() {
        if (sources.socketConnections) this.set(sources.socketConnections());
      },
    }),
    heartbeatAge: new client.Gauge({
      name: 'nightshift_worker_heartbeat_age_seconds',
      help: 'Seconds since a worker heartbeat: of="self" this process\'s own (processes running workers), of="newest" the freshest of any worker of the deployment.',
      labelNames: ['of'] as const,
      registers: [registry],
      async collect() {
        if (!sources.heartbeatAges) return;
        const ages = await sources.heartbeatAges().catch(() => null);
        if (ages?.self !== undefined) this.set({ of: 'self' }, ages.self);
        if (ages?.newest !== undefined) this.set({ of: 'newest' }, ages.newest);
      },
    }),
  };
  // Every git call of the process; the label is a git subcommand, from a bounded set.
  observeGitCalls(({ command, seconds }) => m.gitSeconds.observe({ command: GIT_COMMANDS.has(command) ? command : 'other' }, seconds));
  // Every model call of the process, whichever path made it (scheduler, CLI, planner, evals).
  observeModelCalls((info) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let first = false;
    let status = 'ok';
    let finished = false;
    return {
      part(p: StreamPart) {
        if (!first && isContent(p)) {
          first = true;
          m.llmLatency.observe({ provider: info.provider, phase: 'first_token' }, seconds());
        }
        if (p.type === 'usage') {
          m.llmTokens.inc({ direction: 'input' }, p.inputTokens || 0);
          m.llmTokens.inc({ direction: 'output' }, p.outputTokens || 0);
          if (p.cacheReadTokens) m.llmTokens.inc({ direction: 'cache_read' }, p.cacheReadTokens);
          if (p.cacheWriteTokens) m.llmTokens.inc({ direction: 'cache_write' }, p.cacheWriteTokens);
          const cost = costOf(`${info.vendor ?? info.provider}:${info.modelId}`, p) ?? costOf(`${info.provider}:${info.modelId}`, p);
          if (cost) m.llmCost.inc(cost);
        } else if (p.type === 'error') status = p.code ?? 'provider';
        else if (p.type === 'finish') finished = true;
      },
      end() {
        // A caller that stopped reading before the finish (an abort, a lost lease) ended the call.
        if (status === 'ok' && !finished) status = 'aborted';
        m.llmRequests.inc({ provider: info.provider, status });
        m.llmLatency.observe({ provider: info.provider, phase: 'total' }, seconds());
      },
    };
  });
  return m;
}

function isContent(p: StreamPart): boolean {
  return p.type === 'text-delta' || p.type === 'reasoning-delta' || p.type === 'tool-call-start' || p.type === 'tool-call' || p.type === 'refusal';
}

/** The process's metrics (created, with the model-call observer, on first use). */
export function metrics(): Metrics {
  const g = globalThis as unknown as Record<symbol, Metrics | undefined>;
  return (g[KEY] ??= createMetrics());
}

/** Registers where the scrape-time gauges read from (adds to what was registered before). */
export function setMetricsSources(sources: MetricsSources): void {
  Object.assign(metrics().sources, sources);
}

/** The exposition: Prometheus text format. */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Records one ended task execution. */
export function observeTaskEnded(status: string, seconds: number): void {
  const m = metrics();
  m.tasksTotal.inc({ status });
  m.taskDuration.observe({ status }, seconds);
}

/** Records one task sandbox start. */
export function observeSandboxStart(driver: string, seconds: number): void {
  const m = metrics();
  m.sandboxStarts.inc({ driver });
  m.sandboxStartSeconds.observe({ driver }, seconds);
}

/** Records one HTTP response. */
export function observeHttpRequest(route: string, status: number, seconds: number): void {
  metrics().httpDuration.observe({ route, status: String(status) }, seconds);
}
