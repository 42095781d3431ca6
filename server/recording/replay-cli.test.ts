/**
 * Issue 15's acceptance, through the CLI on a real database, real git, a real sandbox and the fake
 * LLM server: `nightshift agent --record` writes the recording (to the database and as NDJSON,
 * secrets removed); with the model server stopped, `--replay` runs the task again from the file —
 * no model is contacted — and ends on the same tree; one edited prompt line makes the replay stop
 * with the divergence report; a truncated file or one of another task is refused (exit 2) before
 * anything is written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type Turn } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { exec, makeFixtureRepo, removeFixtures } from '../../test/pipeline/run-test-support';
import { savePromptOverride } from '../services/agent-settings';
import { parseRecording, readRecordingFile } from './ndjson';
import { runCli } from '../../test/support/cli';

const ROOT = resolve(__dirname, '../..');
const SECRET = 'sk-live-RECORDING-MUST-NOT-KEEP-0123456789';
const TASK = 'Add applyDiscount(total, percent) to src/cart.js';

/** A model endpoint that must never be contacted: it counts what reaches it. */
async function tripwire(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(500).end('a replay must not contact a model');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, hits, server };
}

const EDIT = {
  path: 'src/cart.js',
  mode: 'replace',
  search: '  return total;\n}\n',
  replace: '  return total;\n}\n\n/** The total with `percent` taken off, rounded to cents. */\nexport function applyDiscount(total, percent) {\n  return Math.round(total * (100 - percent)) / 100;\n}\n',
};
const TEST = {
  path: 'test/discount.test.js',
  mode: 'create',
  content: "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { applyDiscount } from '../src/cart.js';\n\ntest('10% off 100 is 90', () => assert.equal(applyDiscount(100, 10), 90));\n",
};
/** The developer's turns: read, look at a file holding a secret, edit, test (timings in its output), finish. */
const SCRIPT: Turn[] = [
  { text: 'Reading the cart first.', toolCalls: [{ name: 'read_file', args: { path: 'src/cart.js' } }] },
  { toolCalls: [{ name: 'run_command', args: { command: 'cat config/deploy.env' } }] },
  { reasoning: 'Add the function and a test.', toolCalls: [{ name: 'apply_code_changes', args: { changes: [EDIT, TEST] } }] },
  { toolCalls: [{ name: 'run_command', args: { command: 'npm test' } }] },
  { toolCalls: [{ name: 'finish', args: { summary: 'applyDiscount added with a test; npm test passes.' } }] },
];

let t: TestDatabase;
let wire: Awaited<ReturnType<typeof tripwire>>;
let fixture: { repo: string; dataDir: string; root: string };
let env: Record<string, string>;
let recordFile: string;
let recorded: Record<string, any>;

beforeAll(async () => {
  t = await createTestDatabase('replay');
  wire = await tripwire();
  fixture = await makeFixtureRepo();
  // A file holding the key: the agent prints it; the recording must not keep it.
  mkdirSync(join(fixture.repo, 'config'));
  writeFileSync(join(fixture.repo, 'config/deploy.env'), `DEPLOY_TOKEN=${SECRET}\n`);
  await exec('git', ['add', '.'], { cwd: fixture.repo });
  await exec('git', ['-c', 'user.name=F', '-c', 'user.email=f@example.com', 'commit', '-qm', 'deploy config'], { cwd: fixture.repo });
  env = { DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: fixture.dataDir, OPENAI_API_KEY: SECRET, SANDBOX_DRIVER: 'bwrap' };
  recordFile = join(fixture.root, 'run.ndjson');

  const llm = await startFakeLlm({ script: SCRIPT });
  const r = await runCli(['agent', '--repo', fixture.repo, '--task', TASK, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--no-setup', '--record', recordFile], env);
  // The model server is gone before any replay starts.
  await llm.close();
  expect(r.code, r.stderr).toBe(0);
  recorded = r.summary!;
}, 180_000);

afterAll(async () => {
  await new Promise((r) => wire?.server.close(r));
  await t?.close();
  removeFixtures();
});

const tree = async (ref: string) => (await exec('git', ['rev-parse', `${ref}^{tree}`], { cwd: fixture.repo })).stdout.trim();
const runCount = async () => Number((await t.db.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('recording and deterministic replay (nightshift agent)', () => {
  it('records the run in the database and as NDJSON, with the summary\'s runId, and keeps no secret', async () => {
    expect(recorded).toMatchObject({ status: 'done', recording: recordFile, runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const file = readRecordingFile(recordFile);
    expect(file.header).toMatchObject({ runId: recorded.runId, mode: 'agent', model: 'openai:gpt-4o-mini', description: TASK });
    expect(file.ending).toMatchObject({ status: 'done', modelCalls: 5, tree: await tree(recorded.branch) });
    const kinds = file.entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'model')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'tool')).toHaveLength(5);
    const commands = file.entries.filter((e) => e.kind === 'command');
    expect(commands.map((c) => [c.command, c.exitCode])).toEqual([
      ['cat config/deploy.env', 0],
      ['npm test', 0],
    ]);
    const model = file.entries.find((e) => e.kind === 'model')!;
    const said = model.kind === 'model' ? model.parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('') : '';
    expect(said).toBe('Reading the cart first.');
    expect(model.kind === 'model' && model.times.length).toBe(model.kind === 'model' && model.parts.length);
    expect(model.kind === 'model' && model.usage?.inputTokens).toBeGreaterThan(0);

    // The database holds the same recording, tenant-scoped.
    const task = await t.db.selectFrom('tasks').select(['id', 'org_id']).where('run_id', '=', recorded.runId).executeTakeFirstOrThrow();
    const row = await t.db.selectFrom('task_recordings').selectAll().where('task_id', '=', task.id).executeTakeFirstOrThrow();
    expect(row.org_id).toBe(task.org_id);
    expect(row.records).toBe(file.entries.length);
    const entries = await t.db.selectFrom('recording_entries').select(['kind', 'org_id']).where('task_id', '=', task.id).orderBy('seq').execute();
    expect(entries.map((e) => e.kind)).toEqual(kinds);
    expect(entries.every((e) => e.org_id === task.org_id)).toBe(true);

    // The agent did see the file (redacted); nothing stored holds the key.
    const cat = commands[0];
    expect(cat.kind === 'command' && cat.stdout).toBe('DEPLOY_TOKEN=[redacted]\n');
    expect(readFileSync(recordFile, 'utf8')).not.toContain(SECRET);
    for (const table of ['task_recordings', 'recording_entries', 'recording_blobs'] as const) {
      const dump = JSON.stringify(await t.db.selectFrom(table).selectAll().execute());
      expect(dump.length).toBeGreaterThan(100);
      expect(dump, table).not.toContain(SECRET);
    }
  });

  it('replays the recording with the model server stopped: no model contacted, same tree', async () => {
    // No --no-setup: a run recorded without a dependency environment is replayed without one.
    const r = await runCli(['agent', '--repo', fixture.repo, '--replay', recordFile, '--base-url', wire.url], env);
    expect(r.code, r.stderr).toBe(0);
    expect(wire.hits).toEqual([]);
    expect(r.summary).toMatchObject({ status: 'done', turns: recorded.turns, inputTokens: recorded.inputTokens, outputTokens: recorded.outputTokens });
    expect(r.summary!.runId).not.toBe(recorded.runId);
    expect(r.summary!.branch).not.toBe(recorded.branch);
    expect(await tree(r.summary!.branch)).toBe(await tree(recorded.branch));
    expect(r.summary!.replay).toMatchObject({ file: recordFile, modelCalls: 5, recordedModelCalls: 5, treeMatches: true, tree: await tree(recorded.branch) });
  }, 120_000);

  it('one edited prompt line stops the replay at the first model call, showing the differing line', async () => {
    const org = await t.db.selectFrom('runs').select('org_id').where('id', '=', recorded.runId).executeTakeFirstOrThrow();
    const builtIn = readFileSync(join(ROOT, 'prompts/roles/developer.md'), 'utf8');
    const line = 'You implement one task in the repository so that its acceptance criteria hold, and you prove it.';
    expect(builtIn).toContain(line);
    await savePromptOverride(t.db, { orgId: org.org_id, userId: null, role: 'owner' }, { path: 'roles/developer.md', content: builtIn.replace(line, 'You implement one task in the repository so that its acceptance criteria hold, and you prove it with a test.') });
    try {
      const r = await runCli(['agent', '--repo', fixture.repo, '--replay', recordFile, '--base-url', wire.url, '--no-setup'], env);
      expect(r.code, r.stderr).toBe(1);
      expect(wire.hits).toEqual([]);
      expect(r.summary!.status).toBe('failed');
      expect(r.summary!.reason).toMatch(
        /^replay diverged at model call 1: the system prompt differs at line \d+: recorded "You implement one task in the repository so that its acceptance criteria hold, and you prove it\.", now "You implement one task in the repository so that its acceptance criteria hold, and you prove it with a test\." \(developer cycle 1, turn 1; recorded call 1\)$/,
      );
      expect(r.summary!.replay).toMatchObject({ modelCalls: 0, treeMatches: false });
      // The run is recorded as failed with the same reason.
      const run = await t.db.selectFrom('runs').select(['status', 'error']).where('id', '=', r.summary!.runId).executeTakeFirstOrThrow();
      expect(run).toEqual({ status: 'failed', error: r.summary!.reason });
    } finally {
      await t.db.deleteFrom('prompt_overrides').execute();
    }
  }, 120_000);

  it('--replay-lenient goes on past a differing request and says how many differed', async () => {
    const text = readFileSync(recordFile, 'utf8');
    // The recording of another wording of the same task's first user message: its digest differs.
    const changed = join(fixture.root, 'lenient.ndjson');
    const parsed = parseRecording(text, recordFile);
    const first = parsed.entries.find((e) => e.kind === 'model')!;
    const lines = text.split('\n').map((l) => (l.includes(`"seq":${first.seq},`) && l.startsWith('{"kind":"model"') ? l.replace(first.kind === 'model' ? first.digest.hash : '', 'f'.repeat(24)).replace(first.kind === 'model' ? `"system":"${first.digest.system}"` : '', `"system":"${first.kind === 'model' ? first.digest.tools : ''}"`) : l));
    writeFileSync(changed, lines.join('\n'));
    const strict = await runCli(['agent', '--repo', fixture.repo, '--replay', changed, '--base-url', wire.url, '--no-setup'], env);
    expect(strict.summary!.reason).toMatch(/^replay diverged at model call 1: the system prompt differs/);
    const r = await runCli(['agent', '--repo', fixture.repo, '--replay', changed, '--replay-lenient', '--base-url', wire.url, '--no-setup'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary!.replay).toMatchObject({ modelCalls: 5, treeMatches: true, differences: [expect.stringMatching(/^model call 1: the system prompt differs/)] });
    expect(wire.hits).toEqual([]);
  }, 180_000);

  it('refuses a truncated recording, one of another task and one of another checkout: exit 2, nothing run or written', async () => {
    const runsBefore = await runCount();
    const branchesBefore = (await exec('git', ['branch', '--list', 'nightshift/*'], { cwd: fixture.repo })).stdout;
    const text = readFileSync(recordFile, 'utf8');
    const cutFile = join(fixture.root, 'cut.ndjson');
    writeFileSync(cutFile, text.slice(0, Math.floor(text.length * 0.6)));
    const cut = await runCli(['agent', '--repo', fixture.repo, '--replay', cutFile, '--no-setup'], env);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(new RegExp(`^nightshift agent: ${cutFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is truncated: line \\d+ is cut off and the recording has no end line\\n$`));
    expect(cut.stdout).toBe('');

    const noEnd = join(fixture.root, 'no-end.ndjson');
    writeFileSync(noEnd, `${text.trim().split('\n').slice(0, -1).join('\n')}\n`);
    const ended = await runCli(['agent', '--repo', fixture.repo, '--replay', noEnd, '--no-setup'], env);
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain(`${noEnd}: is truncated: it ends after line`);

    const other = await runCli(['agent', '--repo', fixture.repo, '--replay', recordFile, '--task', 'Rewrite the formatter', '--no-setup'], env);
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(`nightshift agent: ${recordFile} is the recording of another task ("${TASK}"), not "Rewrite the formatter"\n`);

    const notOne = join(fixture.root, 'notes.ndjson');
    writeFileSync(notOne, '{"hello":"world"}\n');
    const junk = await runCli(['agent', '--repo', fixture.repo, '--replay', notOne, '--no-setup'], env);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain(`${notOne}: line 1 is not a recording line`);

    // Another checkout: the repository moved on since the recording.
    writeFileSync(join(fixture.repo, 'NOTES.md'), 'moved on\n');
    await exec('git', ['add', '.'], { cwd: fixture.repo });
    await exec('git', ['-c', 'user.name=F', '-c', 'user.email=f@example.com', 'commit', '-qm', 'moved on'], { cwd: fixture.repo });
    try {
      const moved = await runCli(['agent', '--repo', fixture.repo, '--replay', recordFile, '--no-setup'], env);
      expect(moved.code).toBe(2);
      expect(moved.stderr).toContain(`${recordFile} was recorded on a checkout at commit`);
    } finally {
      await exec('git', ['reset', '--hard', '-q', 'HEAD~1'], { cwd: fixture.repo });
    }
    // --record into a folder that does not exist is refused before the run.
    const nowhere = await runCli(['agent', '--repo', fixture.repo, '--task', TASK, '--model', 'openai:gpt-4o-mini', '--record', join(fixture.root, 'no/such/dir/x.ndjson'), '--no-setup'], env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('does not exist');

    expect(await runCount()).toBe(runsBefore);
    expect((await exec('git', ['branch', '--list', 'nightshift/*'], { cwd: fixture.repo })).stdout).toBe(branchesBefore);
    expect(existsSync(`${cutFile}.partial`)).toBe(false);
  }, 120_000);
});
