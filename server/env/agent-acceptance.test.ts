/**
 * Acceptance of issue 21 through the CLI a user runs: `nightshift agent` on a JS repository that
 * needs `ms` from the registry and on a Python repository that imports a package from an index.
 * The scripted model runs the project's tests in the sandbox (they pass on the first task), tries
 * the network from there (refused), and a second task reuses the cache (no install, said in the
 * log). Registries are local stand-ins (test/support/registries.ts), configured once with
 * `nightshift env setup`, as a user would point Nightshift at a mirror.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { MS_SOURCE, MS_TEST, startNpmStandIn, startPypiStandIn, type NpmStandIn, type StandIn } from '../../test/support/registries';
import { runCli } from '../../test/support/cli';

const exec = promisify(execFile);
const skip = !bwrapAvailable() || detectCgroups().version === 0;

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

async function gitRepo(files: Record<string, string>): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ns-accept-')), 'repo');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const g = (...a: string[]) => exec('git', a, { cwd: dir });
  await g('init', '--quiet', '-b', 'main');
  await g('add', '.');
  await g('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'init');
  return dir;
}

/** The developer runs the tests, tries the network, and finishes. */
function script(testCommand: string): Turn[] {
  return [
    { toolCalls: [{ name: 'run_command', args: { command: testCommand } }] },
    { toolCalls: [{ name: 'run_command', args: { command: 'npm view ms version || curl -sS --max-time 5 https://registry.npmjs.org/ms' } }] },
    { toolCalls: [{ name: 'finish', args: { summary: 'the tests pass' } }] },
  ];
}

describe.skipIf(skip)('nightshift agent sets the environment up before the first role (bwrap)', () => {
  let npm: NpmStandIn;
  let pypi: StandIn;
  let llm: FakeLlm | undefined;
  let dataDir: string;
  let t: TestDatabase;
  beforeAll(async () => {
    // The CLI records its runs (and their setups) in this database, as the web app would see them.
    t = await createTestDatabase('envaccept');
    npm = await startNpmStandIn([{ name: 'ms', version: '2.1.3', files: { 'index.js': MS_SOURCE } }]);
    pypi = await startPypiStandIn([{ name: 'nsgreet', version: '1.0', files: { 'nsgreet/__init__.py': 'def greet(name):\n    return "hello " + name\n' } }]);
    dataDir = mkdtempSync(join(tmpdir(), 'ns-accept-data-'));
  });
  afterAll(async () => {
    await llm?.close();
    await npm?.close();
    await pypi?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function agentRun(repo: string, testCommand: string) {
    await llm?.close();
    llm = await startFakeLlm({ script: script(testCommand) });
    const r = await runCli(['agent', '--repo', repo, '--task', 'Check that the tests pass', '--model', 'openai:fake', '--base-url', `${llm.url}/v1`, '--max-turns', '6'], {
      SANDBOX_DRIVER: 'bwrap',
      NIGHTSHIFT_DATA_DIR: dataDir,
      DATABASE_URL: t.url,
    });
    return { ...r, summary: lastJson(r.stdout), toolResults: llm.requests.map((q) => JSON.stringify(q.messages)).at(-1) ?? '' };
  }

  it('JS repository: installs ms once, the tests pass in the sandbox, the sandbox has no network, the second task uses the cache', { timeout: 300_000 }, async () => {
    const deps = { ms: '2.1.3' };
    const repo = await gitRepo({
      'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { test: 'node test.js' }, dependencies: deps }),
      'package-lock.json': npm.lockfile({ name: 'demo', version: '1.0.0', dependencies: deps }),
      '.gitignore': 'node_modules\n',
      'test.js': MS_TEST,
    });
    // Point this checkout at the registry mirror once (kept for agent/run/sandbox exec).
    const setup = await runCli(['env', 'setup', '--repo', repo, '--npm-registry', npm.url, '--driver', 'bwrap'], { NIGHTSHIFT_DATA_DIR: dataDir });
    expect(setup.code, setup.stderr).toBe(0);
    const line = lastJson(setup.stdout);
    expect(Object.keys(line).slice(0, 5)).toEqual(['status', 'command', 'durationMs', 'cacheKey', 'cached']);
    expect(line).toMatchObject({ status: 'ready', command: 'npm ci --no-audit --no-fund', cached: false });
    const installs = npm.requests.filter((p) => p.endsWith('.tgz')).length;
    expect(installs).toBe(1);

    const first = await agentRun(repo, 'npm test');
    expect(first.code, first.stderr).toBe(0);
    expect(first.summary.status).toBe('done');
    expect(first.stderr).toMatch(/ready from the cache \(key [0-9a-f]+, no install\)/);
    expect(first.toolResults).toContain('ms tests passed');
    expect(first.toolResults).toMatch(/exit code 0/);
    // The network attempt failed inside the task sandbox.
    expect(first.stderr).toMatch(/← run_command: error: \$ npm view ms version/);
    expect(first.toolResults).toMatch(/ENOTCACHED|Could not resolve host/);

    const second = await agentRun(repo, 'npm test');
    expect(second.summary.status).toBe('done');
    expect(second.summary.environment[0]).toMatch(/ready from the cache .*no install/);
    expect(npm.requests.filter((p) => p.endsWith('.tgz')).length).toBe(installs);

    // Both runs recorded their setup against the run's project, run and task (the web app shows them).
    const rows = await t.db
      .selectFrom('env_setups')
      .innerJoin('runs', 'runs.id', 'env_setups.run_id')
      .select(['env_setups.status', 'env_setups.cached', 'env_setups.command', 'env_setups.task_id as taskId', 'runs.id as runId', 'env_setups.project_id as projectId', 'runs.project_id as runProject'])
      .where('runs.id', 'in', [first.summary.runId, second.summary.runId])
      .execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'ready', cached: true, command: 'npm ci --no-audit --no-fund' });
      expect(r.taskId).not.toBeNull();
      expect(r.projectId).toBe(r.runProject);
    }
  });

  it('Python repository: the package from the index is importable and the tests pass', { timeout: 300_000 }, async () => {
    const repo = await gitRepo({
      'requirements.txt': 'nsgreet==1.0\n',
      '.gitignore': '.venv\n',
      'test_greet.py': 'import unittest\nimport nsgreet\n\nclass T(unittest.TestCase):\n    def test_greet(self):\n        self.assertEqual(nsgreet.greet("x"), "hello x")\n',
    });
    const setup = await runCli(['env', 'setup', '--repo', repo, '--pip-index-url', pypi.url, '--driver', 'bwrap'], { NIGHTSHIFT_DATA_DIR: dataDir });
    expect(lastJson(setup.stdout), setup.stderr).toMatchObject({ status: 'ready', cached: false });
    const run = await agentRun(repo, 'python -m unittest -v');
    expect(run.summary.status, run.stderr).toBe('done');
    expect(run.toolResults).toMatch(/test_greet .* ok/);
    expect(run.toolResults).toMatch(/exit code 0/);
  });
});
