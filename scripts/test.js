#!/usr/bin/env node
// `npm test`: every test of the project, on a fresh machine too.
// 1. system packages the tests drive for real (git, Debian's chromium, bubblewrap) — installed with
//    apt-get when missing and we may (root), otherwise a clear message;
// 2. the type check; 3. Vitest (unit + integration, real Postgres, real git, real sandboxes);
// 4. Playwright end-to-end tests in chromium against `nightshift start` on a fresh data directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

// Vitest also writes a JSON report, so that the names of failed tests can be repeated at the very
// end: a CI log is often read from its tail, which the end-to-end step fills.
const vitestReport = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-test-')), 'vitest.json');

const only = process.argv[2];
const steps = [
  ['type check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['unit and integration tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]],
  ['end-to-end tests', 'npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts']],
];
const failedSteps = [];
for (const [title, cmd, args] of steps) {
  if (only && !title.startsWith(only)) continue;
  if (!run(title, cmd, args)) failedSteps.push(title);
}

/** "file > test: first line of the error" for each failed Vitest test or file, from the JSON report. */
function vitestFailures() {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(vitestReport, 'utf8'));
  } catch {
    return [];
  }
  const out = [];
  const firstLine = (m) => String(m ?? '').split('\n').find((l) => l.trim()) ?? '';
  for (const file of report.testResults ?? []) {
    const rel = path.relative(process.cwd(), file.name ?? '');
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failedTests) out.push(`${rel} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
    if (file.status === 'failed' && failedTests.length === 0) out.push(`${rel}: ${firstLine(file.message)}`);
  }
  return out;
}

if (failedSteps.length) {
  process.stdout.write(`\nfailed steps: ${failedSteps.join(', ')}\n`);
  if (failedSteps.includes('unit and integration tests')) {
    for (const line of vitestFailures()) process.stdout.write(`  FAIL ${line.slice(0, 400)}\n`);
  }
}
const failed = failedSteps.length;
process.stdout.write(failed ? `\n${failed} test step(s) failed\n` : '\nall test steps passed\n');
process.exit(failed ? 1 : 0);
