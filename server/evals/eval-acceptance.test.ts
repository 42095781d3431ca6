/**
 * Acceptance of issue 15's evals through the CLI a user runs: `nightshift eval run` on a suite of
 * two tasks against the fake LLM server — one solved, one "solved" wrongly — gives a pass rate of
 * exactly 0.5; the hidden tests never reach the model (asserted on every request body the fake
 * server received, while the scripted model lists, greps and reads the worktree); the eval run is
 * stored and compared with the previous run of the suite; `eval compare` exits 1 naming the task
 * that regressed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { call, exec, roleOf, teamScript } from '../../test/pipeline/run-test-support';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { developerScript, MARKER, twoTaskSuite } from '../../test/support/eval-fixtures';
import { runCli } from '../../test/support/cli';

const skip = !bwrapAvailable() || detectCgroups().version === 0;

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe.skipIf(skip)('nightshift eval (bwrap, fake LLM, real Postgres)', () => {
  let t: TestDatabase;
  let llm: FakeLlm | undefined;
  let root: string;
  let suiteDir: string;
  let dataDir: string;
  beforeAll(async () => {
    t = await createTestDatabase('evalacc');
    root = mkdtempSync(join(tmpdir(), 'ns-eval-'));
    suiteDir = join(root, 'suite');
    dataDir = join(root, 'data');
    mkdirSync(dataDir);
    twoTaskSuite(suiteDir);
  });
  afterAll(async () => {
    await llm?.close();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const env = () => ({ DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: dataDir, SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: 'sk-test-eval' });

  it('passes the solved task, fails the wrongly solved one (0.5), keeps the hidden files from the model, and compare names the regression', async () => {
    // ---- a first eval in which both tasks are solved: the base ----
    llm = await startFakeLlm({ script: developerScript({ clampRight: true }) });
    const baseOut = join(root, 'base.json');
    const first = await runCli(['eval', 'run', '--suite', suiteDir, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--out', baseOut, '--concurrency', '2'], env());
    expect(first.code, first.stderr).toBe(0);
    const base = JSON.parse(readFileSync(baseOut, 'utf8'));
    expect(base).toEqual(lastJson(first.stdout));
    expect(base.passRate, `${first.stderr}\n${JSON.stringify(base.tasks, null, 1)}`).toBe(1);
    const baseRequests = llm.requests;
    await llm.close();

    // ---- the same suite, clamp now "solved" wrongly ----
    llm = await startFakeLlm({ script: developerScript({ clampRight: false }) });
    const newOut = join(root, 'new.json');
    const second = await runCli(['eval', 'run', '--suite', suiteDir, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--out', newOut], env());
    expect(second.code, second.stderr).toBe(0);
    const result = lastJson(second.stdout);
    expect(JSON.parse(readFileSync(newOut, 'utf8'))).toEqual(result);

    // The summary line: every field the issue names, and exactly 0.5.
    for (const k of ['suite', 'model', 'mode', 'passRate', 'passed', 'runs', 'costUsd', 'inputTokens', 'outputTokens', 'durationMs', 'tasks']) expect(result).toHaveProperty(k);
    expect(result).toMatchObject({ suite: 'acceptance-two', model: 'openai:gpt-4o-mini', mode: 'agent', passRate: 0.5, passed: 1, runs: 2 });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
    const byId = Object.fromEntries(result.tasks.map((x: { id: string }) => [x.id, x]));
    expect(result.tasks.map((x: { id: string }) => x.id)).toEqual(['add', 'clamp']);
    expect(byId.add).toMatchObject({ attempt: 1, status: 'passed', verifyExitCode: 0, turns: 6 });
    expect(byId.clamp).toMatchObject({ attempt: 1, status: 'failed', verifyExitCode: 1, turns: 6 });
    expect(byId.clamp.reason).toMatch(/clamp limits both ends/);
    for (const x of result.tasks) {
      expect(x.runId).toMatch(/^[0-9a-f-]{36}$/);
      expect(x.costUsd).toBeGreaterThan(0);
    }
    expect(second.stderr).toMatch(/\[1\/2\] (add|clamp)/);
    expect(second.stderr).toMatch(/\[2\/2\] (add|clamp)/);

    // ---- the hidden files never reached the model, though it looked everywhere ----
    const requests = [...baseRequests, ...llm.requests];
    expect(requests.length).toBe(4 * 6);
    const sent = JSON.stringify(requests);
    for (const secret of [MARKER, 'add.hidden.test.js', 'clamp.hidden.test.js']) expect(sent.includes(secret), `a model request holds ${secret}`).toBe(false);
    // …while what it did see is there: the visible files and the grep that found nothing.
    for (const seen of ['smoke.test.js', 'src/clamp.js', 'no-match']) expect(sent.includes(seen), `no model request holds ${seen}`).toBe(true);

    // ---- each attempt is a run like any other, in the organisation, with its task ----
    const runs = await t.db.selectFrom('runs').innerJoin('tasks', 'tasks.run_id', 'runs.id').select(['runs.id', 'runs.status', 'runs.runner', 'tasks.status as taskStatus']).where('runs.id', 'in', result.tasks.map((x: { runId: string }) => x.runId)).execute();
    expect(runs).toHaveLength(2);
    for (const r of runs) expect(r).toMatchObject({ runner: 'cli', status: 'succeeded', taskStatus: 'succeeded' });
    // Recorded like every run: six model exchanges each, and the hidden tests are in no record
    // (verify runs after the task, outside its recording).
    for (const x of result.tasks) {
      const taskRow = await t.db.selectFrom('tasks').select('id').where('run_id', '=', x.runId).executeTakeFirstOrThrow();
      const models = await t.db.selectFrom('recording_entries').select('seq').where('task_id', '=', taskRow.id).where('kind', '=', 'model').execute();
      expect(models, `${x.id} is recorded`).toHaveLength(6);
    }
    const recorded = JSON.stringify([await t.db.selectFrom('recording_entries').select('data').execute(), await t.db.selectFrom('recording_blobs').select('text').execute()]);
    expect(recorded.includes(MARKER), 'a recording holds the hidden tests').toBe(false);
    expect(recorded.includes('smoke.test.js')).toBe(true);
    // No pull request for eval runs: the result stays on its branch in the eval repository.
    expect(await t.db.selectFrom('pull_requests').select('id').execute()).toHaveLength(0);

    // ---- stored, compared with the previous eval of the suite: clamp regressed ----
    const stored = await t.db.selectFrom('eval_runs').selectAll().orderBy('created_at').execute();
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ id: result.evalRunId, status: 'finished', pass_rate: 0.5, passed: 1, runs: 2, compared_to: stored[0].id, regressions: ['clamp'], runner: 'cli' });
    expect(stored[0]).toMatchObject({ id: base.evalRunId, pass_rate: 1, regressions: [] });
    expect(second.stderr).toContain('REGRESSED: clamp');
    const results = await t.db.selectFrom('eval_results').select(['task', 'status', 'verify_exit_code']).where('eval_run_id', '=', result.evalRunId).orderBy('task').execute();
    expect(results).toEqual([
      { task: 'add', status: 'passed', verify_exit_code: 0 },
      { task: 'clamp', status: 'failed', verify_exit_code: 1 },
    ]);

    // ---- eval compare: exit 1 naming the regressed task ----
    const cmp = await runCli(['eval', 'compare', baseOut, newOut], {});
    expect(cmp.code, cmp.stderr).toBe(1);
    expect(cmp.stdout).toMatch(/regressions \(1\):\n {2}- clamp: 1\/1 passed → 0\/1 passed/);
    expect(cmp.stdout).toContain('pass rate −50%');
    const summary = lastJson(cmp.stdout);
    expect(summary).toMatchObject({ regressions: ['clamp'], improvements: [], passRateDelta: -0.5 });
    // The other way round it is an improvement, not a regression.
    const back = await runCli(['eval', 'compare', newOut, baseOut], {});
    expect(back.code, back.stdout).toBe(0);
    expect(lastJson(back.stdout)).toMatchObject({ regressions: [], improvements: ['clamp'], passRateDelta: 0.5 });
    expect(existsSync(join(dataDir, 'evals'))).toBe(true);

    // ---- the attempt that went wrong replays from its recording, with the model server stopped ----
    await llm.close();
    llm = undefined;
    const replay = await runCli(['replay', '--run', byId.clamp.runId], env());
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = lastJson(replay.stdout);
    expect(replayed).toMatchObject({ runId: byId.clamp.runId, matched: 1, replayed: 1 });
    expect(replayed.tasks[0]).toMatchObject({ key: 'T1', status: 'matched', modelCalls: 6, recordedModelCalls: 6 });
    // …ending on the tree the eval judged (the wrong clamp), read from the eval's own repository.
    const clampRun = await t.db.selectFrom('runs').innerJoin('projects', 'projects.id', 'runs.project_id').select('projects.repository').where('runs.id', '=', byId.clamp.runId).executeTakeFirstOrThrow();
    const judgedTree = (await exec('git', ['rev-parse', `${byId.clamp.branch}^{tree}`], { cwd: clampRun.repository })).stdout.trim();
    expect(replayed.tasks[0].tree).toBe(judgedTree);
  }, 300_000);

  it('--mode pipeline runs the four roles on each task (no pull request) and judges the result the same way', async () => {
    const one = join(root, 'one-task');
    twoTaskSuite(one);
    rmSync(join(one, 'tasks/clamp'), { recursive: true });
    await llm?.close();
    llm = await startFakeLlm({
      script: teamScript({
        architect: () => call('finish', { summary: 'Approach: src/math.js add returns a - b; make it a + b. Files: src/math.js. Check: npm test.' }),
        developer: (ctx) => (ctx.step === 0 ? call('apply_code_changes', { changes: [{ path: 'src/math.js', mode: 'replace', search: 'return a - b;', replace: 'return a + b;' }] }) : call('finish', { summary: 'add returns the sum' })),
        qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : call('finish', { verdict: 'pass', summary: 'npm test passes', findings: [], criteria: [] })),
        reviewer: () => call('finish', { steelman: 'A one-character fix of the operator, nothing else touched.', verdict: 'approve', summary: 'Approved.', criteria: [] }),
      }),
    });
    const r = await runCli(['eval', 'run', '--suite', one, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--mode', 'pipeline'], env());
    expect(r.code, r.stderr).toBe(0);
    const result = lastJson(r.stdout);
    expect(result).toMatchObject({ suite: 'acceptance-two', mode: 'pipeline', passRate: 1, passed: 1, runs: 1 });
    // architect 1 + developer 2 + QA 2 + reviewer 1 model turns.
    expect(result.tasks[0]).toMatchObject({ id: 'add', status: 'passed', verifyExitCode: 0, turns: 6 });
    const roles = new Set(llm.requests.map((b) => roleOf(b)));
    expect([...roles].sort()).toEqual(['architect', 'developer', 'qa', 'reviewer']);
    const [run] = await t.db.selectFrom('runs').select(['status']).where('id', '=', result.tasks[0].runId).execute();
    expect(run).toEqual({ status: 'succeeded' });
    expect(await t.db.selectFrom('pull_requests').select('id').execute()).toHaveLength(0);
    expect(JSON.stringify(llm.requests).includes(MARKER)).toBe(false);
  }, 300_000);
});
