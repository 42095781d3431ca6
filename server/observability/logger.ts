import os from 'node:os';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { createRedactor, REDACTED, secretValuesFromEnv } from '../agent/redact';

export type { Logger };

/**
 * The one logger of every Nightshift process: pino JSON lines (`level`, `time`, `msg`, plus
 * whatever is bound: `reqId`, `orgId`, `runId`, `taskId`, `role`, `proc`).
 *
 * - Server processes (`nightshift start`, `nightshift worker`) write to stdout; every other CLI
 *   command writes its logs to stderr (its stdout is the command's output: JSON lines, summaries),
 *   at `warn` unless LOG_LEVEL says otherwise, so its progress lines stay readable.
 * - `LOG_LEVEL`: fatal, error, warn, info (default), debug, trace or silent.
 * - Human-readable (pino-pretty) only when the output is a terminal or `npm run dev`
 *   (NIGHTSHIFT_LOG_PRETTY=1); JSON otherwise, also under a process manager or Kubernetes.
 * - Secrets never reach a line: the agent's redaction list (secret-named environment variables,
 *   credential shapes, values added with {@link addLogSecrets}) is applied to every line written,
 *   and fields named like credentials (authorization, cookie, password, token…) are censored.
 * - Context travels with the work: {@link withLogContext} binds fields for everything logged inside
 *   a request or a task execution (AsyncLocalStorage), so code deep in a task logs with its
 *   `runId` and `taskId` without passing a logger down.
 */

export type LogContext = { reqId?: string; orgId?: string; runId?: string; taskId?: string; role?: string; [key: string]: unknown };

type Config = {
  target: 'stdout' | 'stderr';
  level?: string;
  pretty?: boolean;
  proc?: string;
  defaultLevel: LevelWithSilent;
  /** Where lines go instead of the target's file descriptor (tests read them back). */
  stream?: { write(line: string): unknown };
};
type State = { root: Logger | null; config: Config; secrets: Set<string>; redact: (line: string) => string; context: AsyncLocalStorage<LogContext> };

const KEY = Symbol.for('nightshift.logger');
const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Field paths censored wherever they appear in a logged object (one level deep and in req/res). */
const REDACT_PATHS = [
  'authorization',
  'cookie',
  'password',
  'token',
  'apiKey',
  'secret',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  let s = g[KEY];
  if (!s) {
    s = {
      root: null,
      config: { target: 'stdout', defaultLevel: 'info' },
      secrets: new Set(),
      redact: (l) => l,
      context: new AsyncLocalStorage<LogContext>(),
    };
    g[KEY] = s;
    rebuildRedactor(s);
  }
  return s;
}

function rebuildRedactor(s: State): void {
  s.redact = createRedactor([...secretValuesFromEnv(), ...s.secrets]);
}

/** LOG_LEVEL if it names a level; the default otherwise (a bad value is reported once, not fatal). */
function levelOf(cfg: Config): { level: LevelWithSilent; bad?: string } {
  const raw = (cfg.level ?? process.env.LOG_LEVEL ?? '').trim().toLowerCase();
  if (!raw) return { level: cfg.defaultLevel };
  if (LEVELS.includes(raw)) return { level: raw as LevelWithSilent };
  return { level: cfg.defaultLevel, bad: raw };
}

function wantsPretty(cfg: Config): boolean {
  if (cfg.pretty !== undefined) return cfg.pretty;
  if (process.env.NIGHTSHIFT_LOG_PRETTY === '1') return true;
  if (process.env.NIGHTSHIFT_LOG_PRETTY === '0') return false;
  return Boolean((cfg.target === 'stdout' ? process.stdout : process.stderr).isTTY);
}

function build(s: State): Logger {
  const cfg = s.config;
  const { level, bad } = levelOf(cfg);
  const fd = cfg.target === 'stdout' ? 1 : 2;
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, hostname: os.hostname(), ...(cfg.proc ? { proc: cfg.proc } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    messageKey: 'msg',
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    mixin: () => s.context.getStore() ?? {},
    hooks: { streamWrite: (line) => s.redact(line) },
  };
  let stream: pino.DestinationStream = cfg.stream ?? pino.destination({ dest: fd, sync: true });
  if (!cfg.stream && wantsPretty(cfg)) {
    try {
      // CommonJS, loaded synchronously so the logger exists before the first line.
      const pretty = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => pino.DestinationStream;
      const tty = Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
      stream = pretty({ destination: fd, sync: true, colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,proc' });
    } catch {
      /* pino-pretty missing: JSON lines */
    }
  }
  const root = pino(options, stream);
  if (bad) root.warn(`LOG_LEVEL "${bad}" is not a level (${LEVELS.join(', ')}); using ${level}`);
  return root;
}

/**
 * Sets where and how this process logs; call once at start-up, before the first line (later calls
 * rebuild the logger: loggers made before keep their old settings).
 */
export function configureLogging(cfg: Partial<Omit<Config, 'defaultLevel'>> & { defaultLevel?: LevelWithSilent }): void {
  const s = state();
  s.config = { ...s.config, ...cfg, defaultLevel: cfg.defaultLevel ?? s.config.defaultLevel };
  // Built on first use: a quick command that never logs never opens the destination.
  s.root = null;
}

/** The process's logger, or a child of it with `bindings`. */
export function getLogger(bindings?: Record<string, unknown>): Logger {
  const s = state();
  if (!s.root) s.root = build(s);
  return bindings ? s.root.child(bindings) : s.root;
}

/**
 * Values to redact from every log line from now on (an organisation's secrets as a task loads
 * them). Values shorter than the redactor's minimum are ignored, as in prompts.
 */
export function addLogSecrets(values: Iterable<string>): void {
  const s = state();
  let added = false;
  for (const v of values) {
    if (typeof v === 'string' && v && !s.secrets.has(v)) {
      s.secrets.add(v);
      added = true;
    }
  }
  if (added) rebuildRedactor(s);
}

/** Runs `fn` with `bindings` added to every line logged inside it (and in what it awaits). */
export function withLogContext<T>(bindings: LogContext, fn: () => T): T {
  const s = state();
  const parent = s.context.getStore();
  return s.context.run({ ...(parent ?? {}), ...bindings }, fn);
}

/** Adds or clears (undefined) fields of the current context: the role a task's session is in. */
export function setLogContext(bindings: LogContext): void {
  const store = state().context.getStore();
  if (!store) return;
  for (const [k, v] of Object.entries(bindings)) {
    if (v === undefined) delete store[k];
    else store[k] = v;
  }
}

/** The fields bound right now (for code that hands work to another context). */
export function currentLogContext(): LogContext {
  return { ...(state().context.getStore() ?? {}) };
}

/**
 * A `(message) => void` for the many places that take a line logger: the line is logged at
 * `level` (default info) by `logger`.
 */
export function lineLogger(logger: Logger = getLogger(), level: 'error' | 'warn' | 'info' | 'debug' = 'info'): (msg: string) => void {
  return (msg: string) => logger[level](msg);
}
