/**
 * A task sandbox with a cached environment, on every driver: the entry is mounted read-only (no
 * write, no chmod, no new file among the dependencies), the tools' cache folders and the top of a
 * writable-root folder (Cargo's home) are the sandbox's own, the project's test passes, and
 * nothing of the sandbox's is left in the workspace, the cache or the scratch folder afterwards.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { dockerClient, findEngine } from '../../sandbox/detect';
import { DEFAULT_IMAGE } from '../../sandbox/docker-driver';
import { MS_SOURCE, MS_TEST } from '../../test/support/registries';
import { commitEntry, SCRATCH_DIR, type CacheEntry } from './cache';
import { createDepsSandbox } from './task-sandbox';

async function skipReason(driver: 'bwrap' | 'docker'): Promise<string | undefined> {
  if (driver === 'bwrap') {
    if (!bwrapAvailable()) return 'bubblewrap is not installed';
    const cg = detectCgroups();
    return cg.version === 0 ? `no usable cgroups: ${cg.reason}` : undefined;
  }
  const endpoint = await findEngine();
  if (!endpoint) return 'no Docker/Podman socket answers';
  try {
    await (dockerClient(endpoint) as Docker).getImage(DEFAULT_IMAGE).inspect();
  } catch {
    return `image ${DEFAULT_IMAGE} is missing`;
  }
  return undefined;
}

function write(root: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** Mount options by mount point, as the sandbox's kernel reports them. */
function mountOptions(mountinfo: string): Record<string, string[]> {
  return Object.fromEntries(
    mountinfo
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.split(' ')[4], l.split(' ')[5].split(',')]),
  );
}

const roots: string[] = [];
let dataDir: string;
let entry: CacheEntry;

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'ns-deps-sb-'));
  roots.push(root);
  dataDir = join(root, 'data');
  // An entry as a setup leaves it: node_modules with one package and a cache folder setup filled,
  // a Go-like read-only module cache, and a Cargo-like home whose top takes lock files.
  const staging = join(dataDir, 'env-cache', 'p', '.staging-k');
  const work = write(join(staging, 'work'), {
    'node_modules/ms/index.js': MS_SOURCE,
    'node_modules/ms/package.json': JSON.stringify({ name: 'ms', version: '2.1.3', main: 'index.js' }),
    'node_modules/.cache/seed/from-setup.txt': 'seeded\n',
  });
  const outside = new Map([
    ['go-mod', write(join(staging, 'outside', 'go-mod'), { 'cache/download/m.info': '{}' })],
    ['cargo-home', write(join(staging, 'outside', 'cargo-home'), { 'registry/index/x.txt': 'index\n', '.crates.toml': '' })],
  ]);
  entry = commitEntry({
    dataDir,
    projectKey: 'p',
    key: 'k',
    staging,
    workDir: work,
    outsideDirs: outside,
    extraPaths: [],
    log: 'made by the test\n',
    meta: {
      source: 'detected',
      stacks: ['npm', 'go', 'cargo'],
      command: 'npm ci',
      outside: [
        { name: 'go-mod', target: '/deps/go-mod' },
        { name: 'cargo-home', target: '/deps/cargo-home', writableRoot: true },
      ],
      taskEnv: { npm_config_offline: 'true' },
      pathPrepend: [],
      createdAt: new Date().toISOString(),
      durationMs: 1,
      toolchain: [],
    },
  });
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

for (const driver of ['bwrap', 'docker'] as const) {
  const reason = await skipReason(driver);
  if (reason) console.warn(`[deps sandbox tests] skipping the ${driver} driver: ${reason}`);

  describe.skipIf(Boolean(reason))(`task sandbox with cached dependencies (${driver})`, () => {
    it('mounts the entry read-only with writable cache folders, and leaves nothing behind', { timeout: 120_000 }, async () => {
      const repo = write(mkdtempSync(join(tmpdir(), `ns-deps-ws-${driver}-`)), {
        'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { test: 'node test.js' }, dependencies: { ms: '2.1.3' } }),
        'test.js': MS_TEST,
      });
      roots.push(repo);
      const sb = await createDepsSandbox({ driver, workspaceDir: repo, dataDir, entry, timeoutS: 60 });
      await sb.start();
      try {
        const test = await sb.exec(['npm', 'test']);
        expect(test.stdout).toContain('ms tests passed');
        expect(test.exitCode).toBe(0);

        const mounts = mountOptions((await sb.exec(['sh', '-c', 'grep -E " (/workspace/node_modules|/deps/)" /proc/self/mountinfo'])).stdout);
        expect(mounts['/workspace/node_modules']).toContain('ro');
        expect(mounts['/workspace/node_modules/.cache']).toContain('rw');
        expect(mounts['/deps/go-mod']).toContain('ro');
        expect(mounts['/deps/cargo-home']).toContain('rw');
        expect(mounts['/deps/cargo-home/registry']).toContain('ro');

        const fails = async (script: string) => (await sb.exec(['sh', '-c', script])).exitCode;
        expect(await fails('echo tampered >> node_modules/ms/index.js')).not.toBe(0);
        expect(await fails('chmod 666 node_modules/ms/index.js')).not.toBe(0);
        expect(await fails('touch node_modules/ms/added.js')).not.toBe(0);
        expect(await fails('rm -f node_modules/ms/index.js')).not.toBe(0);
        expect(await fails('touch /deps/go-mod/cache/new')).not.toBe(0);
        expect(await fails('echo x >> /deps/cargo-home/registry/index/x.txt')).not.toBe(0);
        // What tools write at test time: their cache folders (seeded from setup) and Cargo's lock.
        const ok = await sb.exec(['sh', '-c', 'cat node_modules/.cache/seed/from-setup.txt && mkdir -p node_modules/.cache/babel && echo y > node_modules/.cache/babel/x && echo z > node_modules/.vite/results.json && touch /deps/cargo-home/.package-cache && echo ok']);
        expect(ok.stdout).toContain('seeded');
        expect(ok.stdout).toContain('ok');
        expect(ok.exitCode).toBe(0);
        // A replaced entry (install_dependencies) is mounted the same way.
        await sb.attach(entry);
        expect((await sb.exec(['sh', '-c', 'test -f node_modules/.cache/babel/x || echo fresh'])).stdout).toContain('fresh');
      } finally {
        await sb.stop();
      }
      // The cache is as setup left it; the workspace and the scratch folder hold nothing of the sandbox.
      expect(readFileSync(join(entry.dir, 'tree/node_modules/ms/index.js'), 'utf8')).toBe(MS_SOURCE);
      expect(readdirSync(join(entry.dir, 'tree/node_modules/.cache'))).toEqual(['seed']);
      expect(readdirSync(join(entry.dir, 'tree/node_modules/.vite'))).toEqual([]);
      expect(existsSync(join(entry.dir, 'outside/cargo-home/.package-cache'))).toBe(false);
      expect(existsSync(join(repo, 'node_modules'))).toBe(false);
      expect(readdirSync(join(dataDir, SCRATCH_DIR))).toEqual([]);
    });
  });
}
