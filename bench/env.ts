/**
 * bench:env — the setup phase on a real repository with a few hundred packages: the first
 * setup (fenced install from the real npm registry, empty caches) against the cached start of a
 * task sandbox with those dependencies (cache lookup + read-only mounts + sandbox start), as a
 * ratio measured in the same run; and the disk one cached environment takes.
 *
 *   npm run bench:env                       # a generated project depending on express, eslint, vitest
 *   npm run bench:env -- --repo DIR         # any checkout with a lockfile or package.json
 *   npm run bench:env -- --driver docker --starts 10
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSandbox, parseDriver } from '../sandbox/index';
import { ensureEnvironment } from '../server/env/setup';
import { createDepsSandbox } from '../server/env/task-sandbox';

const { values } = parseArgs({ options: { repo: { type: 'string' }, driver: { type: 'string', default: 'bwrap' }, starts: { type: 'string', default: '5' } } });
const driver = parseDriver(values.driver);
const starts = Number(values.starts);
const work = mkdtempSync(join(tmpdir(), 'ns-bench-env-'));
const dataDir = join(work, 'data');
let repo = values.repo ? resolve(values.repo) : join(work, 'repo');
if (!values.repo) {
  // A project shaped like many real ones: a web server, a linter and a test runner.
  const { mkdirSync } = await import('node:fs');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, dependencies: { express: '^4.21.0' }, devDependencies: { eslint: '^8.57.0', vitest: '^2.1.0' } }, null, 2));
  writeFileSync(join(repo, 'index.js'), "require('express');\n");
}
repo = resolve(repo);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const first = await ensureEnvironment({ dataDir, projectKey: 'bench', workspaceDir: repo, driver, log: (l) => process.stderr.write(`${l}\n`) });
if (first.status !== 'ready' || !first.entry) {
  process.stderr.write(`setup ${first.status}: ${first.error ?? first.log}\n`);
  process.exit(1);
}
const packages = readdirSync(join(first.entry.dir, 'tree', 'node_modules')).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(first.entry!.dir, 'tree', 'node_modules', n)) : [n])).length;

const cached: number[] = [];
const bare: number[] = [];
let copyBytes = 0;
for (let i = 0; i < starts; i++) {
  let t = performance.now();
  const hit = await ensureEnvironment({ dataDir, projectKey: 'bench', workspaceDir: repo, driver });
  const sb = await createDepsSandbox({ driver, workspaceDir: repo, dataDir, entry: hit.entry! });
  await sb.start();
  // bubblewrap mounts at each command: the first one (a no-op) counts, so both drivers are ready.
  await sb.exec(['true']);
  cached.push(performance.now() - t);
  if (i === 0) {
    const check = await sb.exec(['node', '-e', "require('express'); console.log('deps ok')"]);
    if (!check.stdout.includes('deps ok')) throw new Error(`dependencies not usable in the sandbox: ${check.stderr}`);
    // What a task sandbox adds: its writable cache folders and lease (the dependencies are mounted, not copied).
    copyBytes = Number(execFileSync('sh', ['-c', `du -s -B1 ${join(dataDir, 'env-scratch')} | cut -f1`]).toString().trim());
  }
  await sb.stop();
  t = performance.now();
  const plain = await createSandbox({ driver, workspaceDir: repo });
  await plain.start();
  await plain.exec(['true']);
  bare.push(performance.now() - t);
  await plain.stop();
}
const cachedMs = median(cached);
const result = {
  driver,
  packages,
  firstSetupMs: first.durationMs,
  cachedStartMs: Math.round(cachedMs),
  plainSandboxStartMs: Math.round(median(bare)),
  ratio: Math.round((first.durationMs / cachedMs) * 10) / 10,
  cacheEntryBytes: first.entry.meta.sizeBytes,
  perSandboxCopyBytes: copyBytes,
};
process.stdout.write(
  [
    `repository            ${values.repo ?? '(generated: express, eslint, vitest)'} — ${packages} packages`,
    `first setup           ${result.firstSetupMs} ms (fenced npm install, real registry)`,
    `cached start (median) ${result.cachedStartMs} ms (lookup + read-only mounts + sandbox start + a first command; ${starts} starts)`,
    `plain sandbox start   ${result.plainSandboxStartMs} ms (start + a first command, no dependencies, for reference)`,
    `ratio                 ${result.ratio}× faster from the cache`,
    `disk per environment  ${(result.cacheEntryBytes / 1024 / 1024).toFixed(1)} MiB cached; ${(result.perSandboxCopyBytes / 1024 / 1024).toFixed(1)} MiB per task sandbox (writable cache folders and lease)`,
    '',
  ].join('\n'),
);
process.stdout.write(`${JSON.stringify(result)}\n`);
rmSync(work, { recursive: true, force: true });
