/**
 * Bad input to `nightshift eval`: a clear error naming the file, exit 2, nothing written (no data
 * directory, no database row, no --out file); a verify that hangs is killed at the task's limit and
 * the task fails with 124 while the eval finishes; hidden files are written into the checkout of
 * the result only, whatever links the agent left in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { ABANDONED_EVAL, listEvalRuns, settleAbandonedEvalRuns } from '../services/evals';
import { EvalSuiteError, loadSuite } from './suite';
import { copyHiddenFiles } from './verify';
import { runCli } from '../../test/support/cli';

const ROOT = resolve(__dirname, '../..');
const sandboxed = bwrapAvailable() && detectCgroups().version !== 0;

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

const roots: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  roots.push(d);
  return d;
}
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

const GOOD_TASK = { title: 'Fix it', prompt: 'Fix the bug.', verify: 'node --test test/' };

/** A suite with one good task plus whatever `extra` adds. */
function suite(extra: Record<string, string>): string {
  const dir = tmp('ns-eval-bad-');
  writeTree(dir, {
    'suite.json': JSON.stringify({ name: 'bad', description: 'bad input' }),
    'tasks/good/task.json': JSON.stringify(GOOD_TASK),
    'tasks/good/repo/src/a.js': 'export const a = 1;\n',
    ...extra,
  });
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadSuite(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(EvalSuiteError);
    return (err as EvalSuiteError).problems;
  }
  throw new Error('the suite was accepted');
}

describe('loadSuite refuses a bad suite, naming each file', () => {
  it('a task folder without task.json', () => {
    const dir = suite({ 'tasks/nojson/repo/a.txt': 'x' });
    expect(problemsOf(dir)).toEqual([`${join(dir, 'tasks/nojson/task.json')}: missing (every task needs {"title", "prompt", "verify"})`]);
  });

  it('a task without verify, and one whose verify is empty', () => {
    const dir = suite({
      'tasks/noverify/task.json': JSON.stringify({ title: 't', prompt: 'p' }),
      'tasks/noverify/repo/a.txt': 'x',
      'tasks/emptyverify/task.json': JSON.stringify({ title: 't', prompt: 'p', verify: '  ' }),
      'tasks/emptyverify/repo/a.txt': 'x',
    });
    const problems = problemsOf(dir);
    expect(problems).toContain(`${join(dir, 'tasks/emptyverify/task.json')}: "verify" must not be empty`);
    expect(problems).toContain(
      `${join(dir, 'tasks/noverify/task.json')}: "verify" is required: the shell command, run in the sandbox after hidden/ is copied in, whose exit code 0 means the task passed`,
    );
  });

  it('hidden files that would overwrite .git, at the top or deeper, and links', () => {
    const dir = suite({
      'tasks/gitcfg/task.json': JSON.stringify(GOOD_TASK),
      'tasks/gitcfg/repo/a.txt': 'x',
      'tasks/gitcfg/hidden/.git/config': '[core]\n\tfsmonitor = touch /tmp/pwned\n',
      'tasks/gitfile/task.json': JSON.stringify(GOOD_TASK),
      'tasks/gitfile/repo/a.txt': 'x',
      'tasks/gitfile/hidden/sub/.GIT': 'gitdir: /elsewhere\n',
      'tasks/link/task.json': JSON.stringify(GOOD_TASK),
      'tasks/link/repo/a.txt': 'x',
    });
    mkdirSync(join(dir, 'tasks/link/hidden'));
    symlinkSync('/etc/passwd', join(dir, 'tasks/link/hidden/passwd'));
    const problems = problemsOf(dir);
    expect(problems).toContain(`${join(dir, 'tasks/gitcfg/hidden/.git')}: would overwrite the result's .git; hidden/ may only add or replace files of the working tree`);
    expect(problems).toContain(`${join(dir, 'tasks/gitcfg/hidden/.git/config')}: would overwrite the result's .git; hidden/ may only add or replace files of the working tree`);
    expect(problems).toContain(`${join(dir, 'tasks/gitfile/hidden/sub/.GIT')}: would overwrite the result's .git; hidden/ may only add or replace files of the working tree`);
    expect(problems).toContain(`${join(dir, 'tasks/link/hidden/passwd')}: hidden/ holds a symbolic link; only plain files and folders are allowed`);
  });

  it('bad JSON, unknown fields, wrong types, a bad id, a missing repo/ and a missing suite.json — all at once', () => {
    const dir = suite({
      'tasks/badjson/task.json': '{"title": "t",',
      'tasks/badjson/repo/a.txt': 'x',
      'tasks/typo/task.json': JSON.stringify({ ...GOOD_TASK, verfy: 'x', timeoutSec: -3 }),
      'tasks/typo/repo/a.txt': 'x',
      'tasks/-dash/task.json': JSON.stringify(GOOD_TASK),
      'tasks/-dash/repo/a.txt': 'x',
      'tasks/norepo/task.json': JSON.stringify(GOOD_TASK),
    });
    rmSync(join(dir, 'suite.json'));
    const problems = problemsOf(dir);
    expect(problems[0]).toBe(`${join(dir, 'suite.json')}: missing (a suite needs {"name", "description"})`);
    expect(problems.some((p) => p.startsWith(`${join(dir, 'tasks/badjson/task.json')}: is not valid JSON`))).toBe(true);
    expect(problems).toContain(`${join(dir, 'tasks/typo/task.json')}: unknown field "verfy"`);
    expect(problems).toContain(`${join(dir, 'tasks/typo/task.json')}: "timeoutSec" must be positive`);
    expect(problems.some((p) => p.startsWith(`${join(dir, 'tasks/-dash')}: a task folder's name is its id`))).toBe(true);
    expect(problems).toContain(`${join(dir, 'tasks/norepo/repo')}: missing (the repository the agent starts from, as a plain folder)`);
  });

  it('accepts a good suite and lists its files', () => {
    const dir = suite({ 'tasks/good/hidden/test/a.test.js': 'x', 'tasks/good/repo/test/visible.test.js': 'y' });
    const s = loadSuite(dir);
    expect(s.name).toBe('bad');
    expect(s.tasks).toHaveLength(1);
    expect(s.tasks[0]).toMatchObject({ id: 'good', repoFiles: ['src/a.js', 'test/visible.test.js'], hiddenFiles: ['test/a.test.js'], timeoutSec: 300 });
  });
});

describe('hidden files land in the checkout only', () => {
  it('replaces links the agent left on their paths instead of following them', () => {
    const root = tmp('ns-eval-hidden-');
    const hidden = join(root, 'hidden');
    writeTree(hidden, { 'test/secret.test.js': 'hidden test\n', 'tests/config': 'not for .git\n', 'top.txt': 'top\n' });
    const outside = join(root, 'outside');
    mkdirSync(outside);
    const checkout = join(root, 'checkout');
    writeTree(checkout, { '.git/config': '[core]\n', 'keep.txt': 'kept\n' });
    // The agent's result: test/ is a link out of the checkout, tests/ a link into .git, top.txt a link to a host file.
    symlinkSync(outside, join(checkout, 'test'));
    symlinkSync(join(checkout, '.git'), join(checkout, 'tests'));
    writeFileSync(join(outside, 'victim.txt'), 'host file\n');
    symlinkSync(join(outside, 'victim.txt'), join(checkout, 'top.txt'));

    copyHiddenFiles({ hiddenDir: hidden, hiddenFiles: ['test/secret.test.js', 'tests/config', 'top.txt'] }, checkout);

    expect(readdirSync(outside)).toEqual(['victim.txt']);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('host file\n');
    expect(readFileSync(join(checkout, '.git/config'), 'utf8')).toBe('[core]\n');
    expect(readFileSync(join(checkout, 'test/secret.test.js'), 'utf8')).toBe('hidden test\n');
    expect(readFileSync(join(checkout, 'tests/config'), 'utf8')).toBe('not for .git\n');
    expect(readFileSync(join(checkout, 'top.txt'), 'utf8')).toBe('top\n');
    expect(readFileSync(join(checkout, 'keep.txt'), 'utf8')).toBe('kept\n');
  });
});

describe('nightshift eval on bad input: exit 2, the file named, nothing written', () => {
  it('refuses each bad suite before touching the data directory, the database or --out', async () => {
    const dataDir = join(tmp('ns-eval-nodata-'), 'data');
    const out = join(tmp('ns-eval-out-'), 'result.json');
    const env = { NIGHTSHIFT_DATA_DIR: dataDir, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'tasks/b/repo/a.txt': 'x' }, 'tasks/b/task.json: missing'],
      [{ 'tasks/b/task.json': JSON.stringify({ title: 't', prompt: 'p' }), 'tasks/b/repo/a.txt': 'x' }, 'tasks/b/task.json: "verify" is required'],
      [{ 'tasks/b/task.json': JSON.stringify(GOOD_TASK), 'tasks/b/repo/a.txt': 'x', 'tasks/b/hidden/.git/HEAD': 'ref: x' }, "tasks/b/hidden/.git: would overwrite the result's .git"],
    ];
    for (const [files, named] of cases) {
      const dir = suite(files);
      const r = await runCli(['eval', 'run', '--suite', dir, '--model', 'openai:gpt-4o-mini', '--out', out], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(join(dir, named));
      expect(r.stdout).toBe('');
    }
    // --out in a folder that does not exist is said before anything runs.
    const r = await runCli(['eval', 'run', '--suite', suite({}), '--model', 'openai:gpt-4o-mini', '--out', join(dataDir, 'x', 'r.json')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the folder ${join(dataDir, 'x')} does not exist`);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('eval compare refuses a file that is not an eval result, naming it', async () => {
    const dir = tmp('ns-eval-cmp-');
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ suite: 's', model: 'm:x', mode: 'agent', passRate: 1, passed: 1, runs: 1, costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 1, tasks: [{ id: 'a', attempt: 1, status: 'passed', verifyExitCode: 0, turns: 1, costUsd: 0, runId: null }] }));
    const notJson = join(dir, 'half.json');
    writeFileSync(notJson, '{"suite": "s", "model"');
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ suite: 's' }));
    let r = await runCli(['eval', 'compare', good, notJson], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${notJson}: is not an eval result (not JSON`);
    r = await runCli(['eval', 'compare', wrong, good], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${wrong}: is not an eval result ("model" Required)`);
    r = await runCli(['eval', 'compare', good, join(dir, 'nope.json')], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'nope.json')}: cannot be read (ENOENT)`);
    r = await runCli(['eval', 'compare', good, good], {});
    expect(r.code).toBe(0);
  }, 60_000);
});

describe.skipIf(!sandboxed)('a verify that hangs (bwrap, fake LLM)', () => {
  let t: TestDatabase;
  let llm: FakeLlm;
  beforeAll(async () => {
    t = await createTestDatabase('evalbad');
    // The developer finishes at once: nothing to do, the verify is what is tested.
    llm = await startFakeLlm({ script: () => ({ toolCalls: [{ name: 'finish', args: { summary: 'nothing to change' } }] }) });
  });
  afterAll(async () => {
    await llm?.close();
    await t?.close();
  });

  it('is killed at timeoutSec: the task fails with 124, the eval finishes and is stored', async () => {
    const dir = suite({
      'tasks/hangs/task.json': JSON.stringify({ title: 'Hang', prompt: 'Nothing.', verify: 'echo started; sleep 600', timeoutSec: 2 }),
      'tasks/hangs/repo/a.txt': 'x',
    });
    writeFileSync(join(dir, 'tasks/good/task.json'), JSON.stringify({ ...GOOD_TASK, verify: 'test -f src/a.js' }));
    const dataDir = tmp('ns-eval-hang-');
    const r = await runCli(['eval', 'run', '--suite', dir, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`], { NIGHTSHIFT_DATA_DIR: dataDir, DATABASE_URL: t.url, SANDBOX_DRIVER: 'bwrap' });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ passRate: 0.5, passed: 1, runs: 2 });
    const hangs = result.tasks.find((x: { id: string }) => x.id === 'hangs');
    expect(hangs).toMatchObject({ status: 'failed', verifyExitCode: 124 });
    expect(hangs.reason).toContain('started');
    expect(hangs.reason).toContain('verify timed out after 2 s');
    const [row] = await t.db.selectFrom('eval_runs').select(['status', 'pass_rate']).execute();
    expect(row).toEqual({ status: 'finished', pass_rate: 0.5 });
  }, 180_000);

  it('an eval whose process is killed shows as failed, not running for ever, and the next eval settles it', async () => {
    // The model never answers: the eval is mid-task when it is killed.
    const silent = await startFakeLlm({ script: () => new Promise<never>(() => undefined) });
    const dir = suite({});
    const dataDir = tmp('ns-eval-kill-');
    let child: ChildProcess | null = null;
    try {
      child = spawn(process.execPath, [join(ROOT, 'bin/nightshift.js'), 'eval', 'run', '--suite', dir, '--model', 'openai:gpt-4o-mini', '--base-url', `${silent.url}/v1`], {
        env: { ...process.env, NIGHTSHIFT_DATA_DIR: dataDir, DATABASE_URL: t.url, SANDBOX_DRIVER: 'bwrap' },
        stdio: 'ignore',
      });
      await expect.poll(() => silent.requests.length, { timeout: 120_000, interval: 200 }).toBeGreaterThan(0);
      const [running] = await t.db.selectFrom('eval_runs').select(['id', 'org_id', 'status', 'owner']).where('suite', '=', 'bad').where('status', '=', 'running').execute();
      expect(running.owner).toMatch(/^cli:/);
      const scope = { orgId: running.org_id, userId: null, role: 'member' as const };
      expect((await listEvalRuns(t.db, scope, {})).find((r) => r.id === running.id)?.status).toBe('running');
      child.kill('SIGKILL');
      // Postgres drops the dead process's liveness lock when its connection goes.
      await expect.poll(async () => (await listEvalRuns(t.db, scope, {})).find((r) => r.id === running.id)?.status, { timeout: 60_000, interval: 200 }).toBe('failed');
      expect((await listEvalRuns(t.db, scope, {})).find((r) => r.id === running.id)?.error).toBe(ABANDONED_EVAL);
      expect(await settleAbandonedEvalRuns(t.db, running.org_id)).toBe(1);
      const row = await t.db.selectFrom('eval_runs').select(['status', 'error']).where('id', '=', running.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', error: ABANDONED_EVAL });
    } finally {
      child?.kill('SIGKILL');
      await silent.close();
    }
  }, 240_000);
});
