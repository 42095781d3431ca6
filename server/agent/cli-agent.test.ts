import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { monologueTurn, repeatedCallTurns } from '../../test/fake-llm/turns';
import { runCli } from '../../test/support/cli';

const exec = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/agent/seeded-bug');

async function fixtureRepo(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ns-cli-agent-')), 'repo');
  cpSync(FIXTURE, dir, { recursive: true });
  const g = (...args: string[]) => exec('git', args, { cwd: dir });
  await g('init', '--quiet', '-b', 'main');
  await g('add', '.');
  await g('-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', 'commit', '--quiet', '-m', 'seeded bug');
  return dir;
}

let llm: FakeLlm | undefined;
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('cliagent');
});
afterAll(async () => {
  await llm?.close();
  await t?.close();
});

describe('nightshift agent (CLI) against the fake LLM server with faults', () => {
  it('fixes the seeded bug on a new branch, reports the nudges and the repair, leaves the checkout untouched', async () => {
    const repo = await fixtureRepo();
    const before = readFileSync(join(repo, 'src/cart.js'), 'utf8');
    const script: Turn[] = [
      { text: 'I will look at the project first.', toolCalls: [{ name: 'list_files', args: { path: '.' } }], faults: { splitBytes: 'random', seed: 7 } },
      monologueTurn(),
      ...repeatedCallTurns('read_file', { path: 'src/cart.js' }, 3),
      // Nested arguments corrupted beyond repair: the harness answers with the parse error…
      { toolCalls: [{ name: 'apply_code_changes', args: { changes: [{ path: 'src/cart.js', mode: 'replace', search: '  for (let i = 1; i < items.length; i++) {', replace: '  for (let i = 0; i < items.length; i++) {' }] } }], faults: { malformedToolJson: true } },
      // …and the model resends only that call.
      { toolCalls: [{ name: 'apply_code_changes', args: { changes: [{ path: 'src/cart.js', mode: 'replace', search: '  for (let i = 1; i < items.length; i++) {', replace: '  for (let i = 0; i < items.length; i++) {' }] } }], faults: { splitBytes: 5 } },
      // Flat arguments with single quotes and a trailing comma are repaired in place.
      { toolCalls: [{ name: 'read_file', args: { path: 'src/cart.js', start_line: 4, end_line: 10 } }], faults: { malformedToolJson: true } },
      { toolCalls: [{ name: 'run_command', args: { command: 'npm test' } }] },
      { toolCalls: [{ name: 'finish', args: { summary: 'subtotal skipped the first line; the loop now starts at 0 and npm test passes' } }] },
    ];
    llm = await startFakeLlm({ script });
    const secret = 'sk-live-THIS-MUST-NOT-LEAK-123456';
    const { code, stdout, stderr } = await runCli(
      ['agent', '--repo', repo, '--task', 'Fix subtotal in src/cart.js: it ignores the first cart line', '--model', 'openai:fake', '--base-url', `${llm.url}/v1`, '--max-turns', '20'],
      // The run is recorded in this database (DATABASE_URL), like one started in the web app.
      { SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: secret, DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: join(repo, '..', 'data') },
    );
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(code, stderr).toBe(0);
    expect(Object.keys(summary)).toEqual(['status', 'branch', 'commit', 'turns', 'nudges', 'repairedToolCalls', 'inputTokens', 'outputTokens', 'costUsd', 'runId']);
    expect(summary.status).toBe('done');
    expect(summary.branch).toMatch(/^nightshift\/fix-subtotal-in-src-cart-js[a-z-]*-[0-9a-f]{8}$/);
    expect(summary.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(summary.turns).toBe(10);
    expect(summary.nudges).toBe(2); // the monologue and the repeated read
    expect(summary.repairedToolCalls).toBe(1);
    expect(summary.inputTokens).toBeGreaterThan(0);
    expect(stderr).toMatch(/nudge \[monologue\]/);
    expect(stderr).toMatch(/nudge \[doom-loop\]/);
    expect(stderr).toMatch(/repaired tool call read_file/);
    expect(stderr).toMatch(/apply_code_changes: error: .*not valid JSON/);

    // The command ran in the sandbox (its workdir) and the tests passed there.
    const afterRun = JSON.stringify(llm.requests[9].messages);
    expect(afterRun).toContain('exit code 0');
    expect(afterRun).toMatch(/# pass 3/);
    // The key never reached a prompt.
    expect(JSON.stringify(llm.requests)).not.toContain(secret);

    // The user's checkout is untouched; the fix is on the branch, with the run trailer.
    expect(readFileSync(join(repo, 'src/cart.js'), 'utf8')).toBe(before);
    expect((await exec('git', ['status', '--porcelain'], { cwd: repo })).stdout).toBe('');
    expect((await exec('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: repo })).stdout.trim()).toBe('main');
    const fixed = (await exec('git', ['show', `${summary.branch}:src/cart.js`], { cwd: repo })).stdout;
    expect(fixed).toContain('for (let i = 0; i < items.length; i++)');
    const message = (await exec('git', ['log', '-1', '--format=%B', summary.commit], { cwd: repo })).stdout;
    expect(message).toMatch(/Nightshift-Run: [0-9a-f-]{36}/);
    expect((await exec('git', ['worktree', 'list'], { cwd: repo })).stdout.trim().split('\n')).toHaveLength(1);
    expect(message).toContain(`Nightshift-Run: ${summary.runId}`);
    // No checkpoint ref is left behind in the repository.
    expect((await exec('git', ['for-each-ref', 'refs/nightshift/'], { cwd: repo })).stdout).toBe('');

    // The run, its task, checkpoints (each naming a commit) and live events are in the database.
    const run = await t.db.selectFrom('runs').select(['status', 'runner', 'org_id', 'project_id']).where('id', '=', summary.runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', runner: 'cli' });
    const project = await t.db.selectFrom('projects').select(['repository', 'name']).where('id', '=', run.project_id).executeTakeFirstOrThrow();
    expect(project.repository).toBe(repo);
    const task = await t.db.selectFrom('tasks').select(['id', 'status', 'branch', 'commit_sha']).where('run_id', '=', summary.runId).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: 'succeeded', branch: summary.branch, commit_sha: summary.commit });
    const cps = await t.db.selectFrom('task_checkpoints').select(['turn', 'state']).where('task_id', '=', task.id).orderBy('turn').execute();
    expect(cps.map((c) => c.turn)).toEqual(cps.map((_, i) => i + 1));
    expect(cps.length).toBeGreaterThanOrEqual(summary.turns);
    expect(cps.every((c) => /^[0-9a-f]{40}$/.test(String((c.state as { commit?: string }).commit)))).toBe(true);
    const events = await t.db.selectFrom('events').select('type').where('run_id', '=', summary.runId).execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['task.status', 'agent.role', 'agent.tool']));
  }, 120_000);
});
