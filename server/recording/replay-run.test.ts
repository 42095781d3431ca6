/**
 * `nightshift replay --run RUN_ID` on a recorded `nightshift run` (the whole pipeline: planner,
 * architect, developer, QA, reviewer), with the model server stopped: the task runs again in a
 * fresh worktree of a scratch copy, every model call answered from the database's recording, and
 * ends on the recorded tree; nothing is pushed to the repository.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from '../../test/fake-llm/server';
import { architectDesign, call, DISCOUNT_TESTS, exec, FIRST_VERSION, makeFixtureRepo, plannerSubmittingTwice, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from '../../test/pipeline/run-test-support';
import { openDatabase } from '../boot';
import { loadPlanRecording } from '../services/recordings';

const ROOT = resolve(__dirname, '../..');
afterAll(() => removeFixtures());

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/nightshift.js'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('nightshift replay --run', () => {
  it('replays a recorded pipeline run with no model server and reports the tree matches', async () => {
    const { repo, dataDir, root } = await makeFixtureRepo();
    const specFile = join(root, 'spec.md');
    writeFileSync(specFile, SPEC);
    const llm = await startFakeLlm({
      script: teamScript({
        planner: plannerSubmittingTwice,
        architect: architectDesign,
        developer: (ctx) => {
          if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
          if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
          if (ctx.step === 2) return call('run_command', { command: 'npm test' });
          return call('finish', { summary: 'applyDiscount with its range check and tests; npm test passes' });
        },
        qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
        reviewer: () => call('finish', { steelman: 'Small and tested.', verdict: 'approve', summary: 'Approved.' }),
      }),
    });
    const env = { NIGHTSHIFT_DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-test-replay-run-0001', SANDBOX_DRIVER: 'bwrap' };
    const first = await cli(['run', '--repo', repo, '--spec', specFile, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--no-setup'], env);
    await llm.close();
    expect(first.code, first.stderr).toBe(0);
    const runId = /run ([0-9a-f-]{36}) \(organisation/.exec(first.stderr)![1];
    const branch = JSON.parse(first.stdout.trim().split('\n').at(-1)!).pullRequests[0].branch;
    const recordedTree = (await exec('git', ['rev-parse', `${branch}^{tree}`], { cwd: repo })).stdout.trim();
    const refsBefore = (await exec('git', ['for-each-ref'], { cwd: repo })).stdout;

    const r = await cli(['replay', '--run', runId], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ runId, matched: 1, replayed: 1 });
    expect(summary.tasks).toEqual([expect.objectContaining({ key: 'T1', status: 'matched', tree: recordedTree, recordedTree, modelCalls: summary.tasks[0].recordedModelCalls })]);
    expect(summary.tasks[0].modelCalls).toBeGreaterThanOrEqual(8);
    expect(r.stderr).toContain('task T1: matched');
    // The planner's recording is reported with the run (kept, not replayed).
    expect(summary.plan).toEqual({ recorded: true, replayed: false, modelCalls: llm.requests.filter((b) => roleOf(b) === 'planner').length, status: 'planned' });
    expect(r.stderr).toMatch(/planner: \d+ recorded model calls \(planned; kept, not replayed\)/);
    // Nothing reached the repository.
    expect((await exec('git', ['for-each-ref'], { cwd: repo })).stdout).toBe(refsBefore);

    // Bad input.
    const none = await cli(['replay', '--run', '00000000-0000-4000-8000-000000000000'], env);
    expect(none).toMatchObject({ code: 2, stderr: 'nightshift replay: no run 00000000-0000-4000-8000-000000000000 in this database\n' });
    const bad = await cli(['replay', '--run', 'last'], env);
    expect(bad.code).toBe(2);

    // The planner's exchanges were recorded under the run too (one model record per request it made).
    // Read last: this process opening the data directory's database is no CLI invocation.
    const plannerRequests = llm.requests.filter((b) => roleOf(b) === 'planner').length;
    expect(plannerRequests).toBeGreaterThan(0);
    const rt = await openDatabase({ dataDir, own: false, allowTemporary: true });
    try {
      const task = await rt.db.selectFrom('tasks').select('org_id').where('run_id', '=', runId).executeTakeFirstOrThrow();
      const plan = await loadPlanRecording(rt.db, { orgId: task.org_id, runId });
      expect(plan).toMatchObject({ header: { taskKey: 'plan', runId, model: 'openai:gpt-4o-mini' }, ending: { status: 'planned' } });
      expect(plan!.entries.filter((e) => e.kind === 'model' && e.role === 'planner')).toHaveLength(plannerRequests);
      expect(plan!.entries.filter((e) => e.kind === 'tool' && e.toolName === 'submit_plan')).toHaveLength(2);
      expect(JSON.stringify([...plan!.entries, ...plan!.blobs.values()])).not.toContain(env.OPENAI_API_KEY);
    } finally {
      await rt.close();
    }
  }, 300_000);
});
