#!/usr/bin/env node
// `npm test`: every test of the project, on a fresh machine too.
// 1. system packages the tests drive for real (git, Debian's chromium, bubblewrap) — installed with
//    apt-get when missing and we may (root), otherwise a clear message;
// 2. the type check; 3. Vitest (unit + integration, real Postgres, real git, real sandboxes);
// 4. Playwright end-to-end tests in chromium against `nightshift start` on a fresh data directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const SYSTEM_PACKAGES = [
  { pkg: 'git', present: () => has('git') },
  { pkg: 'chromium', present: () => fs.existsSync('/usr/bin/chromium') },
  { pkg: 'bubblewrap', present: () => has('bwrap') },
];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(title, cmd, args) {
  process.stdout.write(`\n=== ${title}: ${cmd} ${args.join(' ')}\n`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  return res.status === 0;
}

const missing = SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
if (missing.length) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    console.error(`The tests need these system packages: ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) and run npm test again.`);
    process.exit(1);
  }
  const ok = run('system packages', 'sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`]);
  if (!ok) process.exit(1);
}

const only = process.argv[2];
const steps = [
  ['type check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['unit and integration tests', 'npx', ['vitest', 'run']],
  ['end-to-end tests', 'npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts']],
];
let failed = 0;
for (const [title, cmd, args] of steps) {
  if (only && !title.startsWith(only)) continue;
  if (!run(title, cmd, args)) failed++;
}
process.stdout.write(failed ? `\n${failed} test step(s) failed\n` : '\nall test steps passed\n');
process.exit(failed ? 1 : 0);
