import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { createBoss } from '../../jobs/boss';
import { ensureSchedulerQueues } from '../../jobs/scheduler/queues';
import { schedulerSettings } from '../../jobs/scheduler/constants';
import { createUser } from '../../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun, startRun } from '../../server/services/runs';
import { getPullRequest, listPullRequests } from '../../server/services/pull-requests';
import { architectDesign, call, DISCOUNT_TASK, DISCOUNT_TESTS, FIRST_VERSION, makeFixtureRepo, qaVerdict, RANGE_FIX, RANGE_TEST, removeFixtures, roleOf, SPEC, teamScript } from '../pipeline/run-test-support';
import { waitFor } from './fixtures';

/**
 * The real executor — not the scripted one — killed mid-role: a worker runs the four-role
 * pipeline on a real repository (worktree, bubblewrap sandbox, the fake model server answering per
 * role), is SIGKILLed while the developer's second model request is in flight (its first turn, an
 * edit, checkpointed), and a worker on another host (its own data directory: no mirror, no
 * worktree) takes the task over. The edit is kept, the developer continues its conversation (the
 * next request the model server sees carries the earlier turn), finished roles are not redone, and
 * the pull request holds the work exactly once.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL = 'openai:gpt-4o-mini';
let t: TestDatabase;
let llm: FakeLlm;
let repo: string;
let root: string;
const children = new Set<ChildProcess>();

/** Held: the developer's second request of the first execution, never answered. */
let developerStep1Seen = 0;
let held!: () => void;
const developerWaiting = new Promise<void>((r) => (held = r));

const answer = teamScript({
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

beforeAll(async () => {
  t = await createTestDatabase('execcrash');
  ({ repo, root } = await makeFixtureRepo());
  llm = await startFakeLlm({
    script: async (body: Record<string, unknown>): Promise<Turn> => {
      const messages = (body.messages ?? []) as Array<{ role: string }>;
      if (roleOf(body) === 'developer' && messages.filter((m) => m.role === 'assistant').length === 1 && developerStep1Seen++ === 0) {
        held();
        await new Promise(() => undefined); // the worker dies with this request open
      }
      return answer(body);
    },
  });
  const boss = createBoss(t.url);
  await boss.start();
  await ensureSchedulerQueues(boss, schedulerSettings());
  await boss.stop({ graceful: false, wait: true, timeout: 2000 });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await llm?.close();
  await t?.close();
  removeFixtures();
});

function spawnWorker(workerId: string, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'pipeline-worker.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      NIGHTSHIFT_DATA_DIR: dataDir,
      OPENAI_BASE_URL: `${llm.url}/v1`,
      OPENAI_API_KEY: 'sk-test-crash',
      SANDBOX_DRIVER: 'bwrap',
      WORKER_ID: workerId,
      NIGHTSHIFT_REAPER_INTERVAL_MS: '250',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('"ready":true')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker ${workerId} exited (${code}) before it was ready:\n${stderr}`)));
  });
}

describe('the real executor killed mid-role', () => {
  it('resumes on another worker from the checkpoint: edit kept, the role continues its conversation, the pull request holds the work once', async () => {
    const user = await createUser(t.db, { name: 'Crash', email: 'crash@example.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Crash Org', ownerId: user.id });
    const scope = { orgId: org.id, userId: user.id, role: 'owner' as const };
    await updateOrganizationSettings(t.db, scope, { specThreshold: 0 });
    const project = await createProject(t.db, scope, { name: 'cart', repository: repo });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Cart discounts', markdown: SPEC });
    await submitSpec(t.db, scope, { specId: spec.id });
    const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [DISCOUNT_TASK], model: MODEL });

    const first = await spawnWorker('host-a', path.join(root, 'host-a'));
    await startRun(t.db, scope, { runId: run.id });
    await developerWaiting;
    const task = await t.db.selectFrom('tasks').select(['id', 'lease_owner']).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(task.lease_owner).toBe('host-a');
    // The developer's first turn (the edit) was checkpointed before this request was sent.
    const before = await t.db.selectFrom('task_checkpoints').select(['turn', 'state']).where('task_id', '=', task.id).orderBy('turn', 'desc').executeTakeFirstOrThrow();
    const state = before.state as { commit: string; agents: Record<string, { turn: number }> };
    expect(state.agents[`${task.id}:c1:developer`].turn).toBe(1);
    expect(execFileSync('git', ['show', `${state.commit}:src/cart.js`], { cwd: repo, encoding: 'utf8' })).toContain('export function applyDiscount');
    const requestsBeforeKill = llm.requests.length;
    await new Promise<void>((resolve) => {
      first.once('exit', () => resolve());
      first.kill('SIGKILL');
    });

    // Another host: its own data directory, no mirror, no worktree of this task.
    await spawnWorker('host-b', path.join(root, 'host-b'));
    const done = await waitFor(
      'the run to finish on host-b',
      async () => {
        const r = await t.db.selectFrom('runs').select(['status', 'error']).where('id', '=', run.id).executeTakeFirstOrThrow();
        return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      },
      240_000,
    );
    expect(done).toEqual({ status: 'succeeded', error: null });

    // The role continued: no architect again; the developer's next request carries its first turn.
    const after = llm.requests.slice(requestsBeforeKill);
    expect(after.filter((b) => roleOf(b) === 'architect')).toHaveLength(0);
    const resumed = after.find((b) => roleOf(b) === 'developer')!;
    const messages = resumed.messages as Array<{ role: string; content?: unknown; tool_calls?: unknown }>;
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(JSON.stringify(messages.find((m) => m.role === 'assistant'))).toContain('apply_code_changes');
    expect(JSON.stringify(messages)).toContain('export function applyDiscount');
    expect(llm.requests.filter((b) => roleOf(b) === 'developer' && !(b.messages as Array<{ role: string }>).some((m) => m.role === 'assistant'))).toHaveLength(1);

    // Attempts: one lost with the killed worker, one succeeded on the other, resumed from a checkpoint.
    const attempts = await t.db.selectFrom('task_attempts').select(['worker_id', 'outcome', 'resumed_from_turn']).where('task_id', '=', task.id).orderBy('started_at').execute();
    expect(attempts.map((a) => [a.worker_id, a.outcome])).toEqual([
      ['host-a', 'lost'],
      ['host-b', 'succeeded'],
    ]);
    expect(attempts[1].resumed_from_turn).toBe(before.turn);

    // The pull request holds the work exactly once: one commit, each change once.
    const prs = await listPullRequests(t.db, scope, { runId: run.id });
    expect(prs).toHaveLength(1);
    const pr = await getPullRequest(t.db, scope, prs[0].id);
    expect(pr.diff!.match(/^\+export function applyDiscount/gm)).toHaveLength(1);
    expect(pr.diff!.match(/^\+ {2}if \(percent < 0 \|\| percent > 100\) throw new RangeError/gm)).toHaveLength(1);
    expect(pr.body).toContain('Status: **approved**');
    const g = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    expect(g('rev-list', '--count', `main..${pr.branch}`).trim()).toBe('1');
    expect(g('for-each-ref', 'refs/nightshift/').trim()).toBe('');
  }, 300_000);
});
