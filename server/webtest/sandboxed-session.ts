import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { prepareSandboxedSpawn, type SandboxedSpawn } from '../../sandbox/spawn';
import { clipSnapshot, describeTarget, resolveAppUrl, screenshotFile, type BrowserSession, type Target } from './session';

/** The app and a browser share the sandbox: memory for both, and time for the app to boot. */
export const WEBTEST_SANDBOX_MEMORY_MB = 1536;
export const WEBTEST_RPC_TIMEOUT_MS = 90_000;

const HOST_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sandbox-host.mjs');

function nodeModulesDir(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('playwright-core'));
  while (path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * The web tester against the app started from the worktree INSIDE the task's sandbox: the app
 * (e.g. `npm start`) and chromium run together in one bubblewrap sandbox — no network, no host
 * files, only the worktree writable — and the agent's browser tools reach them over stdio.
 */
export class SandboxedWebTestSession implements BrowserSession {
  readonly transcript: string[] = [];
  readonly screenshots: string[] = [];
  private spawnInfo: SandboxedSpawn | null = null;
  private child: ChildProcess | null = null;
  private started: Promise<void> | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly opts: { workspaceDir: string; appUrl: string; startCommand?: string; screenshotDir: string; memoryMb?: number }) {}

  private start(): Promise<void> {
    this.started ??= (async () => {
      const modules = nodeModulesDir();
      const args = ['node', HOST_SCRIPT, '--modules', modules, '--url', this.opts.appUrl, ...(this.opts.startCommand ? ['--start', this.opts.startCommand] : [])];
      this.spawnInfo = await prepareSandboxedSpawn(
        args,
        { driver: 'bwrap', workspaceDir: this.opts.workspaceDir, memoryMb: this.opts.memoryMb ?? WEBTEST_SANDBOX_MEMORY_MB, readOnlyPaths: [modules, path.dirname(HOST_SCRIPT), '/etc/fonts'].filter((p) => fs.existsSync(p)) } as never,
        { HOME: '/tmp' },
      );
      const child = spawn(this.spawnInfo.command, this.spawnInfo.args, { env: this.spawnInfo.env as NodeJS.ProcessEnv, cwd: this.spawnInfo.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      child.stderr?.on('data', () => {});
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the sandboxed browser did not start in time')), WEBTEST_RPC_TIMEOUT_MS);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the sandboxed browser exited (code ${code}) before it was ready`));
          for (const p of this.pending.values()) p.reject(new Error('the sandboxed browser exited'));
        });
        lines.on('line', (line) => {
          let msg: { ready?: boolean; error?: string; id?: number; ok?: boolean; result?: unknown };
          try {
            msg = JSON.parse(line);
          } catch {
            return;
          }
          if (msg.ready !== undefined) {
            clearTimeout(timer);
            if (msg.ready) resolve();
            else reject(new Error(msg.error ?? 'the sandboxed browser failed to start'));
            return;
          }
          const waiter = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
          if (!waiter) return;
          this.pending.delete(msg.id!);
          if (msg.ok) waiter.resolve(msg.result);
          else waiter.reject(new Error(msg.error ?? 'browser error'));
        });
      });
    })();
    return this.started;
  }

  private async rpc<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    await this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`browser ${op} timed out`));
      }, WEBTEST_RPC_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child!.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  async open(url: string): Promise<string> {
    const full = resolveAppUrl(url, this.opts.appUrl);
    const r = await this.rpc<{ status: number | null; title: string }>('open', { url: full });
    const line = `open ${full} → ${r.status ?? 'no response'} "${r.title}"`;
    this.transcript.push(line);
    return line;
  }

  async snapshot(): Promise<string> {
    const yaml = await this.rpc<string>('snapshot');
    this.transcript.push('snapshot');
    return clipSnapshot(yaml);
  }

  async click(target: Target): Promise<string> {
    const r = await this.rpc<{ url: string }>('click', { target });
    const line = `click ${describeTarget(target)}`;
    this.transcript.push(line);
    return `${line} → now at ${r.url}`;
  }

  async fill(target: Target, value: string): Promise<string> {
    await this.rpc('fill', { target, value });
    const line = `fill ${describeTarget(target)} with ${JSON.stringify(value)}`;
    this.transcript.push(line);
    return line;
  }

  async press(key: string, target?: Target): Promise<string> {
    await this.rpc('press', { key, target });
    const line = `press ${key}${target ? ` on ${describeTarget(target)}` : ''}`;
    this.transcript.push(line);
    return line;
  }

  async evaluate(expression: string): Promise<boolean> {
    const value = await this.rpc<boolean>('evaluate', { expression });
    this.transcript.push(`assert ${expression} → ${value}`);
    return value;
  }

  async screenshot(name: string): Promise<string> {
    const png = await this.rpc<string>('screenshot');
    const file = screenshotFile(this.opts.screenshotDir, this.screenshots.length + 1, name);
    fs.writeFileSync(file, Buffer.from(png, 'base64'));
    this.screenshots.push(file);
    this.transcript.push(`screenshot ${path.basename(file)}`);
    return file;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      child.stdin?.end();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.spawnInfo?.dispose().catch(() => undefined);
    this.child = null;
  }
}
