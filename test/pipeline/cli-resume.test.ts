import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { PULL_REQUESTS_DIR } from '../../server/pipeline/file-pull-request-store';
import { localRepoId } from '../../server/pipeline/headless-run';
import { architectDesign, call, checkoutState, DISCOUNT_TESTS, exec, FIRST_VERSION, makeFixtureRepo, plannerSubmittingTwice, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from './run-test-support';

/**
 * `nightshift run` is SIGKILLed while its developer's second model request is in flight (the first
 * turn, an edit, is checkpointed with a commit of the worktree); `nightshift run --resume last`
 * finishes the run: planning and the architect are not redone, the developer continues its
 * conversation from the checkpoint, and the pull request holds the pre-kill edit exactly once. The
 * database is the data directory's embedded PostgreSQL, orphaned by the kill and taken over.
 */
const ROOT = resolve(__dirname, '../..');
const children = new Set<ChildProcess>();
let llm: FakeLlm | undefined;
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await llm?.close();
  removeFixtures();
});

function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/nightshift.js'), 'run', ...args], { env: { ...process.env, ...env } });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      r({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

describe('nightshift run --resume', () => {
  it('finishes a run killed mid-role, keeping the pre-kill edit and continuing the role from its checkpoint', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    const specFile = join(dataDir, '..', 'spec.md');
    writeFileSync(specFile, SPEC);
    const before = await checkoutState(repo);
    let held!: () => void;
    const developerWaiting = new Promise<void>((r) => (held = r));
    let step1Seen = 0;
    const answer = teamScript({
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
    });
    llm = await startFakeLlm({
      script: async (body: Record<string, unknown>): Promise<Turn> => {
        const assistants = ((body.messages ?? []) as Array<{ role: string }>).filter((m) => m.role === 'assistant').length;
        if (roleOf(body) === 'developer' && assistants === 1 && step1Seen++ === 0) {
          held();
          await new Promise(() => undefined); // the CLI dies with this request open
        }
        return answer(body);
      },
    });
    const env = { NIGHTSHIFT_DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-test-resume' };
    const base = ['--repo', repo, '--base-url', `${llm.url}/v1`, '--driver', 'bwrap', '--no-setup'];

    const first = startCli([...base, '--spec', specFile, '--model', 'openai:gpt-4o-mini'], env);
    await Promise.race([developerWaiting, first.done.then((r) => Promise.reject(new Error(`the run ended before the kill (${r.code}):\n${r.stderr}`)))]);
    const requestsBeforeKill = llm.requests.length;
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const runId = /run ([0-9a-f-]{36}) \(organisation/.exec(killed.stderr)?.[1];
    expect(runId, killed.stderr).toBeDefined();

    const second = await startCli([...base, '--resume', 'last'], env).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`resuming run ${runId}`);
    const summary = JSON.parse(second.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(summary)).toEqual(['status', 'spec', 'tasks', 'pullRequests', 'costUsd', 'runId']);
    expect(summary.runId).toBe(runId);
    expect(summary.status).toBe('succeeded');
    expect(summary.tasks).toMatchObject([{ id: 'T1', status: 'succeeded', wave: 0, cycles: 1 }]);

    // Nothing finished was redone: no planner, no architect; the developer went on from turn 1.
    const after = llm.requests.slice(requestsBeforeKill);
    expect(after.filter((b) => ['planner', 'architect'].includes(roleOf(b)))).toHaveLength(0);
    const resumed = after.find((b) => roleOf(b) === 'developer')!;
    const messages = resumed.messages as Array<{ role: string }>;
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(JSON.stringify(messages)).toContain('apply_code_changes');
    expect(JSON.stringify(messages)).toContain('export function applyDiscount');

    // The pull request holds the pre-kill edit and the resumed one, each once, in one commit.
    const pr = summary.pullRequests[0];
    const g = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
    const cart = await g('show', `${pr.branch}:src/cart.js`);
    expect(cart.match(/export function applyDiscount/g)).toHaveLength(1);
    expect(cart).toContain('throw new RangeError');
    expect((await g('rev-list', '--count', `main..${pr.branch}`)).trim()).toBe('1');
    expect(pr.report).toContain('Status: **approved**');
    const recordDir = join(dataDir, PULL_REQUESTS_DIR, localRepoId(repo));
    const record = JSON.parse(readFileSync(join(recordDir, readdirSync(recordDir)[0]), 'utf8'));
    expect(record.diff.match(/^\+export function applyDiscount/gm)).toHaveLength(1);
    expect(await g('for-each-ref', 'refs/nightshift/')).toBe('');
    expect(await checkoutState(repo)).toEqual(before);

    // Nothing left to resume.
    const again = await startCli([...base, '--resume', 'last'], env).done;
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`run ${runId} is succeeded: there is nothing to resume`);
    // The same by its id (the summary's runId); an id this repository has no run of is named.
    const byId = await startCli([...base, '--resume', summary.runId], env).done;
    expect(byId.code).toBe(2);
    expect(byId.stderr).toContain(`run ${runId} is succeeded: there is nothing to resume`);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const none = await startCli([...base, '--resume', unknown], env).done;
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no CLI run ${unknown} of `);
  }, 300_000);
});
