/**
 * The one task executor's core, in process, on real git, a real sandbox and the fake LLM server:
 * each checkpoint names a commit holding the worktree's files; a checkpoint that cannot be saved
 * stops the agent before its next model call; a session resumed from a checkpoint on another host
 * checks that commit out, does not redo finished roles, and continues the interrupted role's
 * conversation.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createMemoryContextCache } from '../agent/context-cache';
import { createModelResolver } from '../llm/model-factory';
import { InMemoryPullRequestStore } from '../repos/pull-requests';
import { openTaskWorkspace } from '../repos/task-workspace';
import { removeWorktree } from '../repos/worktree';
import { operatorRepositorySource } from '../repos/local-repo-policy';
import { LeaseLostError } from '../../jobs/scheduler/types';
import { acceptanceCriteriaOf } from './acceptance';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript, type TeamScript } from '../../test/pipeline/run-test-support';
import { startTaskSandbox } from './session-resources';
import { runTaskSession, type SessionState, type TaskSessionInput } from './task-session';
import { createTaskRecording } from '../recording/recorder';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});
afterAll(() => removeFixtures());

const TEAM: TeamScript = {
  architect: architectDesign,
  developer: (ctx) => {
    if (ctx.step === 0) return call('apply_code_changes', { changes: [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
    if (ctx.step === 1) return call('apply_code_changes', { changes: [RANGE_FIX] });
    if (ctx.step === 2) return call('run_command', { command: 'npm test' });
    return call('finish', { summary: 'applyDiscount with its range check and tests; npm test passes' });
  },
  qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
  reviewer: () => call('finish', { steelman: 'Small and tested.', verdict: 'approve', summary: 'Approved.' }),
};

type Saved = { seq: number; state: SessionState };

async function session(opts: { repo: string; dataDir: string; taskId: string; initial?: Saved | null; save?: (s: Saved) => void; recorder?: TaskSessionInput['recorder'] }) {
  const ws = await openTaskWorkspace({ dataDir: opts.dataDir, repoId: 'fixture', source: operatorRepositorySource(opts.repo), task: { id: opts.taskId, slug: DISCOUNT_TASK.title }, base: 'main', at: opts.initial?.state.commit });
  const sandbox = await startTaskSandbox({ driver: 'bwrap', workspace: ws });
  const store = new InMemoryPullRequestStore();
  try {
    const result = await runTaskSession({
      task: { id: opts.taskId, key: 'T1', title: DISCOUNT_TASK.title, description: DISCOUNT_TASK.description, files: DISCOUNT_TASK.files, runId: 'run-1' },
      acceptanceCriteria: acceptanceCriteriaOf(SPEC),
      workspace: ws,
      sandbox,
      models: createModelResolver({ model: 'openai:gpt-4o-mini', settings: { baseUrl: `${llm!.url}/v1`, env: { OPENAI_API_KEY: 'sk-test' } } }),
      checkpoints: {
        initial: opts.initial ?? null,
        async save(seq, state) {
          opts.save?.({ seq, state: JSON.parse(JSON.stringify(state)) });
        },
      },
      delivery: { pullRequest: { store, projectId: 'fixture' } },
      recorder: opts.recorder,
      cache,
    });
    return { result, store, ws };
  } finally {
    await sandbox.stop();
    await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
  }
}
const cache = createMemoryContextCache();

describe('runTaskSession', () => {
  it('names, at every checkpoint, a commit that holds the worktree; the branch ends with one commit', async () => {
    llm = await startFakeLlm({ script: teamScript(TEAM) });
    const { repo, dataDir } = await makeFixtureRepo();
    const saves: Saved[] = [];
    const recording = createTaskRecording();
    const { result } = await session({ repo, dataDir, taskId: '11111111-aaaa', save: (s) => saves.push(s), recorder: recording });
    expect(result.approved).toBe(true);
    expect(saves.map((s) => s.seq)).toEqual(saves.map((_, i) => i + 1));
    const show = (sha: string, file: string) => {
      try {
        return execFileSync('git', ['show', `${sha}:${file}`], { cwd: join(dataDir, 'mirrors', 'fixture.git'), encoding: 'utf8' });
      } catch {
        return null;
      }
    };
    // Each agent checkpoint's commit holds exactly what the transcript says was edited by then.
    for (const s of saves) {
      const dev = s.state.agents?.['11111111-aaaa:c1:developer'];
      const edits = dev ? dev.transcript.flatMap((t) => t.exchanges).filter((e) => e.toolName === 'apply_code_changes' && !e.isError).length : undefined;
      const cart = show(s.state.commit!, 'src/cart.js')!;
      if (edits === 0 || (!dev && !s.state.pipeline?.cycles.length)) expect(cart).not.toContain('applyDiscount');
      if (edits === 1) {
        expect(cart).toContain('export function applyDiscount');
        expect(cart).not.toContain('RangeError');
      }
      if (edits === 2 || s.state.pipeline?.cycles.length) expect(cart).toContain('throw new RangeError');
    }
    // Finished roles keep no transcript in the checkpoint.
    expect(Object.keys(saves.at(-1)!.state.agents ?? {})).toEqual([]);
    // The branch, pushed to the repository: one commit with the whole change.
    const g = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    expect(g('rev-list', '--count', `main..${result.branch}`).trim()).toBe('1');
    expect(g('show', `${result.branch}:src/cart.js`)).toContain('throw new RangeError');
    expect(g('for-each-ref', 'refs/nightshift/').trim()).toBe('');
    // The recording holds every model call, tool call, sandbox command and checkpoint.
    const kinds = (k: string) => recording.entries.filter((e) => e.kind === k);
    expect(kinds('model')).toHaveLength(llm.requests.length);
    expect(kinds('tool').length).toBeGreaterThanOrEqual(7);
    expect(kinds('command').map((c) => (c as { command: string }).command)).toEqual(['npm test', 'npm test']);
    expect(kinds('checkpoint').map((c) => (c as { checkpoint: number }).checkpoint)).toEqual(saves.map((s) => s.seq));
    expect(recording.ending).toMatchObject({ status: 'approved', commit: result.commitSha });
  }, 120_000);

  it('stops the agent when a checkpoint cannot be saved: no model call follows the failed save', async () => {
    llm = await startFakeLlm({ script: teamScript(TEAM) });
    const { repo, dataDir } = await makeFixtureRepo();
    let calls = 0;
    let atFailure = -1;
    const run = session({
      repo,
      dataDir,
      taskId: '22222222-bbbb',
      save: (s) => {
        calls++;
        // The developer's first turn (the edit) is checkpointed → the lease is gone.
        if (s.state.agents?.['22222222-bbbb:c1:developer']?.turn === 1) {
          atFailure = llm!.requests.length;
          throw new LeaseLostError('22222222-bbbb');
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(LeaseLostError);
    expect(atFailure).toBeGreaterThan(0);
    expect(llm.requests.length).toBe(atFailure);
    expect(calls).toBeGreaterThan(1);
  }, 120_000);

  it('resumes on another host from the last checkpoint: the edit is kept, finished roles are not redone, the role continues its conversation', async () => {
    llm = await startFakeLlm({ script: teamScript(TEAM) });
    const { repo, dataDir } = await makeFixtureRepo();
    const saves: Saved[] = [];
    // "Killed" right after the checkpoint of the developer's first turn (the edit) was saved.
    const first = session({
      repo,
      dataDir,
      taskId: '33333333-cccc',
      save: (s) => {
        saves.push(s);
        if (s.state.agents?.['33333333-cccc:c1:developer']?.turn === 1) throw new Error('killed');
      },
    });
    await expect(first).rejects.toThrow('killed');
    const before = llm.requests.length;
    const last = saves.at(-1)!;

    const { result, store } = await session({ repo, dataDir: `${dataDir}-other-host`, taskId: '33333333-cccc', initial: last, save: (s) => saves.push(s) });
    expect(result.approved).toBe(true);
    const after = llm.requests.slice(before);
    expect(after.filter((b) => roleOf(b) === 'architect')).toHaveLength(0);
    const dev = after.filter((b) => roleOf(b) === 'developer');
    // Its next request carries the earlier turn: the edit call and its result.
    const firstResumed = JSON.stringify(dev[0].messages);
    expect(firstResumed).toContain('apply_code_changes');
    expect(firstResumed).toContain('export function applyDiscount');
    expect((dev[0].messages as Array<{ role: string }>).filter((m) => m.role === 'assistant').length).toBe(1);
    // Checkpoints continue after the last one.
    expect(saves.map((s) => s.seq)).toEqual(saves.map((_, i) => i + 1));
    // The pull request holds the work exactly once.
    const pr = store.all()[0];
    expect(pr.diff!.match(/\+export function applyDiscount/g)).toHaveLength(1);
    expect(execFileSync('git', ['rev-list', '--count', `main..${result.branch}`], { cwd: repo, encoding: 'utf8' }).trim()).toBe('1');
  }, 120_000);
});
