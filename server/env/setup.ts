/**
 * The setup phase: detect what a repository needs, check its toolchain wishes, and make sure a
 * cache entry with its dependencies exists — running the install in a fenced sandbox (network
 * only through the egress proxy, larger limits, a copy of the project so nothing in the
 * checkout changes) when the cache has none for this key.
 *
 *   const r = await ensureEnvironment({ dataDir, projectKey, workspaceDir, driver: 'auto' });
 *   r.status  // 'ready' | 'failed' | 'none'
 *   const deps = r.entry && attachEntry(dataDir, r.entry)  // binds + env for the task sandbox
 */
import { chmodSync, chownSync, cpSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '../../sandbox/index';
import type { Sandbox, SandboxBind, SandboxDriverName } from '../../sandbox/types';
import { describeRule, effectiveAllowList } from './allow-list';
import { commitEntry, computeCacheKey, projectCacheDir, pruneCache, readEntry, removeTree, touchEntry, type CacheEntry } from './cache';
import { DEP_DIR_NAMES, detectSetup, SETUP_CACHE_DIR, type ProjectEnvSettings, type RegistryUrls, type SetupPlan } from './detect';
import { formatEgressLog, startEgressProxy } from './egress-proxy';
import { downloadExceededMessage, egressLimitsFromEnv, formatBytes, MAX_CONNECTIONS_VAR } from './limits';
import { compareToolchain, probeToolchain, readToolchainWishes, toolchainProblems, type ToolchainCheck, type ToolchainProbe } from './toolchain';

/** Setup gets more room than an agent command: installs are slow and memory-hungry. */
export const SETUP_LIMITS = { timeoutS: 600, memoryMb: 2048, pidsMax: 1024 } as const;
/** Lines of the installer's output quoted when setup fails. */
export const FAILURE_TAIL_LINES = 25;
/** The kept log is capped (head and tail survive). */
export const MAX_LOG_CHARS = 200_000;
/** Where registry credentials appear inside the setup sandbox (never in its environment). */
const AUTH_MOUNT = '/run/nightshift-registry-auth';
const CONTAINER_UID = 1000;
/** How long a toolchain probe is trusted. */
const PROBE_TTL_MS = 10 * 60_000;

export type RegistrySettings = {
  /** More hosts setup may reach (host, host:port, *.domain or URL). */
  extra?: string[];
  /** Drop the default registries (npm, PyPI, Go proxy, crates.io). */
  replaceDefaults?: boolean;
  /** Installers pointed at these (mirrors, private indexes); their hosts are allowed. */
  urls?: RegistryUrls;
};

/** A registry credential from an organisation secret configured for that host. */
export type RegistryToken = { host: string; token: string };

export type EnvSetupOptions = {
  dataDir: string;
  /** Whose cache: the project id, or a local repository's id for CLI runs. */
  projectKey: string;
  /** The checkout or worktree whose files decide the setup (never modified). */
  workspaceDir: string;
  driver: SandboxDriverName;
  settings?: ProjectEnvSettings;
  registries?: RegistrySettings;
  tokens?: RegistryToken[];
  /**
   * Overrides of SETUP_LIMITS and of the traffic limits NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT /
   * _MAX_CONNECTIONS set (null: none).
   */
  limits?: { timeoutS?: number; memoryMb?: number; downloadBytes?: number | null; maxConnections?: number | null };
  /** Progress for people (CLI stderr, run log). */
  log?: (line: string) => void;
  /** Every line of the installer's output as it comes. */
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Overrides for NIGHTSHIFT_OUTBOUND_POLICY / _ALLOW (tests). */
  policyEnv?: Record<string, string | undefined>;
  /** Run setup even when the cache has the key (the agent's explicit request). */
  force?: boolean;
};

export type EnvSetupResult = {
  status: 'ready' | 'failed' | 'none';
  source: SetupPlan['source'];
  stacks: string[];
  /** The install command as people read it. */
  command: string | null;
  cacheKey: string | null;
  /** True when the dependencies came from the cache (no install ran). */
  cached: boolean;
  durationMs: number;
  sizeBytes: number | null;
  toolchain: ToolchainCheck[];
  /** The full setup log (capped), with the egress decisions. */
  log: string;
  /** Why it failed, with the installer's last lines. */
  error?: string;
  entry?: CacheEntry;
  plan: SetupPlan;
};

const probes = new Map<string, { at: number; probe: Promise<ToolchainProbe> }>();

/** The sandbox's toolchain versions, asked once per driver every few minutes. */
async function sandboxToolchain(driver: SandboxDriverName): Promise<ToolchainProbe> {
  const key = `${driver}|${process.env.NIGHTSHIFT_SANDBOX_IMAGE ?? ''}`;
  const hit = probes.get(key);
  if (hit && Date.now() - hit.at < PROBE_TTL_MS) return hit.probe;
  const probe = (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-probe-'));
    let sb: Sandbox | undefined;
    try {
      sb = await createSandbox({ driver, workspaceDir: dir, network: false });
      await sb.start();
      return await probeToolchain(sb);
    } finally {
      await sb?.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  probes.set(key, { at: Date.now(), probe });
  probe.catch(() => probes.delete(key));
  return probe;
}

function capLog(text: string): string {
  if (text.length <= MAX_LOG_CHARS) return text;
  const half = Math.floor(MAX_LOG_CHARS / 2);
  return `${text.slice(0, half)}\n… [${text.length - MAX_LOG_CHARS} characters elided] …\n${text.slice(-half)}`;
}

export function lastLines(text: string, n = FAILURE_TAIL_LINES): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-n);
}

/** Copies the project for the setup sandbox: no .git, no installed folders, nothing shared with the checkout. */
function copyProject(src: string, dst: string): void {
  const skip = new Set<string>([...DEP_DIR_NAMES, SETUP_CACHE_DIR]);
  cpSync(src, dst, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (from) => {
      if (from === src) return true;
      const rel = from.slice(src.length + 1);
      const base = rel.split('/').at(-1)!;
      if (rel === '.git') return false;
      return !skip.has(base);
    },
  });
}

function chownRecursive(dir: string, uid: number): void {
  const walk = (p: string) => {
    lchownSync(p, uid, uid);
    if (lstatSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
}

/** Registry credentials as files (npmrc, netrc) in a folder mounted into the setup sandbox only. */
function writeAuthFiles(tokens: RegistryToken[], forContainer: boolean): { dir: string; env: Record<string, string> } | null {
  if (tokens.length === 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-registry-auth-'));
  const npmrc = tokens.map((t) => `//${t.host}/:_authToken=${t.token}`).join('\n') + '\n';
  // netrc names machines without a port; npm's key keeps it (//host:port/).
  const netrc = tokens.map((t) => `machine ${t.host.replace(/:\d+$/, '')} login __token__ password ${t.token}`).join('\n') + '\n';
  writeFileSync(join(dir, 'npmrc'), npmrc, { mode: 0o400 });
  writeFileSync(join(dir, 'netrc'), netrc, { mode: 0o400 });
  if (forContainer && process.getuid?.() === 0) {
    for (const f of ['npmrc', 'netrc']) chownSync(join(dir, f), CONTAINER_UID, CONTAINER_UID);
  }
  // The folder must be searchable by the sandbox user; the files stay readable by their owner only.
  chmodSync(dir, 0o711);
  return { dir, env: { NPM_CONFIG_USERCONFIG: `${AUTH_MOUNT}/npmrc`, NETRC: `${AUTH_MOUNT}/netrc` } };
}

function allowListFor(registries: RegistrySettings | undefined) {
  return effectiveAllowList({
    extra: registries?.extra,
    replaceDefaults: registries?.replaceDefaults,
    registryUrls: Object.values(registries?.urls ?? {}).filter((u): u is string => Boolean(u)),
  });
}

const inflight = new Map<string, Promise<EnvSetupResult>>();

/**
 * Detect, check and (when the cache misses) install. Never throws for a failing install: the
 * result says `failed` with the installer's last lines. Throws only when no sandbox can run.
 */
export async function ensureEnvironment(opts: EnvSetupOptions): Promise<EnvSetupResult> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const registryUrls = opts.registries?.urls ?? {};
  const plan = detectSetup(opts.workspaceDir, opts.settings, registryUrls);
  const wishes = readToolchainWishes(opts.workspaceDir);
  const base = { source: plan.source, stacks: plan.stacks, command: plan.display, plan };
  if (plan.source === 'none') {
    return { ...base, status: 'none', cacheKey: null, cached: false, durationMs: Math.round(performance.now() - started), sizeBytes: null, toolchain: [], log: `${plan.reason}\n` };
  }
  if (opts.driver === 'none') {
    throw new Error('the setup phase needs an isolating sandbox (bwrap or docker) to fence its network; SANDBOX_DRIVER=none cannot run it');
  }
  const probe = await sandboxToolchain(opts.driver);
  const toolchain = compareToolchain(wishes, probe);
  for (const problem of toolchainProblems(toolchain)) log(`toolchain: ${problem}`);
  const allow = allowListFor(opts.registries);
  const key = computeCacheKey(plan, opts.workspaceDir, {
    probe,
    registries: { allow: allow.map(describeRule).sort(), urls: registryUrls, tokens: (opts.tokens ?? []).map((t) => t.host).sort() },
  });

  const hit = opts.force ? null : readEntry(opts.dataDir, opts.projectKey, key);
  if (hit) {
    touchEntry(hit);
    return {
      ...base,
      status: 'ready',
      cacheKey: key,
      cached: true,
      durationMs: Math.round(performance.now() - started),
      sizeBytes: hit.meta.sizeBytes,
      toolchain,
      log: `dependencies from the cache (key ${key}, made ${hit.meta.createdAt} by \`${hit.meta.command}\` in ${hit.meta.durationMs} ms): no install\n`,
      entry: hit,
    };
  }
  const flightKey = `${opts.dataDir}|${opts.projectKey}|${key}`;
  const running = inflight.get(flightKey);
  if (running) {
    log(`setup for key ${key} already running: waiting for it`);
    return running;
  }
  const p = runSetup(opts, plan, key, toolchain, started).finally(() => inflight.delete(flightKey));
  inflight.set(flightKey, p);
  return p;
}

async function runSetup(opts: EnvSetupOptions, plan: SetupPlan, key: string, toolchain: ToolchainCheck[], started: number): Promise<EnvSetupResult> {
  const log = opts.log ?? (() => undefined);
  const base = { source: plan.source, stacks: plan.stacks, command: plan.display, plan };
  let limits: { timeoutS: number; memoryMb: number; pidsMax: number; downloadBytes: number | null; maxConnections: number | null };
  try {
    const given = Object.fromEntries(Object.entries(opts.limits ?? {}).filter(([, v]) => v !== undefined));
    limits = { ...SETUP_LIMITS, ...egressLimitsFromEnv(process.env), ...given };
  } catch (err) {
    const message = `setup could not run: ${(err as Error).message}`;
    log(message);
    return { ...base, status: 'failed', cacheKey: key, cached: false, durationMs: Math.round(performance.now() - started), sizeBytes: null, toolchain, log: `${message}\n`, error: message };
  }
  const pdir = projectCacheDir(opts.dataDir, opts.projectKey);
  const staging = join(pdir, `.staging-${key}-${randomBytes(4).toString('hex')}`);
  const workDir = join(staging, 'work');
  mkdirSync(staging, { recursive: true });
  const allow = allowListFor(opts.registries);
  const secrets = (opts.tokens ?? []).map((t) => t.token).filter((t) => t.length >= 4);
  const redact = (s: string) => secrets.reduce((acc, t) => acc.split(t).join('[redacted]'), s);
  let output = '';
  let proxy: Awaited<ReturnType<typeof startEgressProxy>> | undefined;
  let sandbox: Sandbox | undefined;
  let auth: ReturnType<typeof writeAuthFiles> = null;
  const trafficText = `${limits.downloadBytes === null ? 'no download limit' : `${formatBytes(limits.downloadBytes)} through the proxy`}, ${limits.maxConnections === null ? 'any number of' : `at most ${limits.maxConnections}`} connections at once`;
  // The proxy stops the install as soon as the budget is gone: it would only retry and fail.
  const cutOff = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, cutOff.signal]) : cutOff.signal;
  const header = [
    `setup: ${plan.display} (${plan.source === 'detected' ? `detected: ${plan.stacks.join(', ')}` : plan.source === 'script' ? 'the repository\'s .nightshift/setup.sh' : 'the project\'s setup command'})`,
    `cache key ${key}; limits ${limits.timeoutS} s, ${limits.memoryMb} MiB, ${trafficText}; network only to: ${allow.map(describeRule).join(', ')}`,
  ];
  for (const l of header) log(l);
  try {
    copyProject(opts.workspaceDir, workDir);
    const outsideDirs = new Map<string, string>();
    const binds: SandboxBind[] = [];
    for (const o of plan.outside) {
      const d = join(staging, 'outside', o.name);
      mkdirSync(d, { recursive: true });
      outsideDirs.set(o.name, d);
      binds.push({ source: d, target: o.target });
    }
    proxy = await startEgressProxy({
      allow,
      policyEnv: opts.policyEnv,
      maxBytes: limits.downloadBytes,
      maxConnections: limits.maxConnections,
      onBudgetExceeded: () => {
        log(`${downloadExceededMessage(limits.downloadBytes!)}: connections cut, stopping the setup`);
        cutOff.abort();
      },
    });
    // Decide the driver first so credentials and folders are owned by whoever runs inside.
    sandbox = await createSandbox({
      driver: opts.driver,
      workspaceDir: workDir,
      memoryMb: limits.memoryMb,
      timeoutS: limits.timeoutS,
      pidsMax: limits.pidsMax,
      network: false,
      egress: { socketPath: proxy.socketPath },
      binds,
      env: plan.setupEnv,
    });
    const container = sandbox.driver === 'docker';
    auth = writeAuthFiles(opts.tokens ?? [], container);
    if (auth || (container && process.getuid?.() === 0)) {
      if (container && process.getuid?.() === 0) for (const d of outsideDirs.values()) chownRecursive(d, CONTAINER_UID);
      if (auth) {
        await sandbox.stop();
        sandbox = await createSandbox({
          driver: sandbox.driver,
          workspaceDir: workDir,
          memoryMb: limits.memoryMb,
          timeoutS: limits.timeoutS,
          pidsMax: limits.pidsMax,
          network: false,
          egress: { socketPath: proxy.socketPath },
          binds: [...binds, { source: auth.dir, target: AUTH_MOUNT, readOnly: true }],
          env: { ...plan.setupEnv, ...auth.env },
        });
      }
    }
    await sandbox.start();
    const onChunk = (c: string) => {
      const clean = redact(c);
      output += clean;
      opts.onOutput?.(clean);
    };
    const r = await sandbox.exec(['sh', '-c', plan.command!], { onStdout: onChunk, onStderr: onChunk, signal, timeoutMs: limits.timeoutS * 1000 });
    await sandbox.stop();
    sandbox = undefined;
    await proxy.close();
    const egress = formatEgressLog(proxy.events);
    for (const l of egress.filter((x) => x.includes('REFUSED'))) log(l);
    const durationMs = Math.round(performance.now() - started);
    const usage = proxy.usage();
    const fullLog = capLog(
      redact([...header, '', output.trimEnd(), '', ...egress, `[egress] ${formatBytes(usage.bytes)} through the proxy`, '', `exit code ${r.exitCode} after ${durationMs} ms`].join('\n')) + '\n',
    );
    // Over the budget is a failure whatever the command said (a script may ignore a cut download).
    if (r.exitCode !== 0 || usage.budgetExceeded) {
      const dropped = usage.droppedConnections ? `; ${usage.droppedConnections} connection${usage.droppedConnections === 1 ? '' : 's'} dropped over the limit of ${limits.maxConnections} at once (${MAX_CONNECTIONS_VAR})` : '';
      const why = usage.budgetExceeded
        ? downloadExceededMessage(limits.downloadBytes!)
        : r.timedOut
        ? `setup exceeded its ${limits.timeoutS} s limit and was stopped`
        : r.oom
          ? `setup ran out of memory (limit ${limits.memoryMb} MiB) and was stopped`
          : `\`${plan.display}\` exited with ${r.exitCode}`;
      const refused = proxy.events.filter((e) => !e.allowed && !e.limit).map((e) => `${e.host}:${e.port}`);
      const refusedText = refused.length ? `; refused non-registry hosts: ${[...new Set(refused)].join(', ')}` : '';
      const tail = lastLines(redact(output));
      return {
        ...base,
        status: 'failed',
        cacheKey: key,
        cached: false,
        durationMs,
        sizeBytes: null,
        toolchain,
        log: fullLog,
        error: `${why}${dropped}${refusedText}${tail.length ? `\n${tail.join('\n')}` : ''}`,
      };
    }
    const entry = commitEntry({
      dataDir: opts.dataDir,
      projectKey: opts.projectKey,
      key,
      staging,
      workDir,
      outsideDirs,
      extraPaths: plan.extraPaths,
      log: fullLog,
      meta: {
        source: plan.source,
        stacks: plan.stacks,
        command: plan.display,
        outside: plan.outside,
        taskEnv: plan.taskEnv,
        pathPrepend: plan.pathPrepend,
        createdAt: new Date().toISOString(),
        durationMs,
        toolchain,
      },
    });
    log(`setup ready in ${durationMs} ms: ${entry.meta.paths.concat(entry.meta.outside.map((o) => o.target)).join(', ') || 'nothing to keep'} (${Math.round(entry.meta.sizeBytes / 1024 / 1024)} MiB)`);
    try {
      pruneCache(opts.dataDir, { keep: [entry.dir] });
    } catch {
      /* pruning is housekeeping; a failure must not fail the setup */
    }
    return { ...base, status: 'ready', cacheKey: key, cached: false, durationMs, sizeBytes: entry.meta.sizeBytes, toolchain, log: fullLog, entry };
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    const message = (err as Error & { userMessage?: string }).userMessage ?? (err as Error).message;
    return {
      ...base,
      status: 'failed',
      cacheKey: key,
      cached: false,
      durationMs,
      sizeBytes: null,
      toolchain,
      log: capLog(redact(`${header.join('\n')}\n\n${output}\nsetup could not run: ${message}\n`)),
      error: `setup could not run: ${message}`,
    };
  } finally {
    await sandbox?.stop().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    if (auth) rmSync(auth.dir, { recursive: true, force: true });
    removeTree(staging);
  }
}
