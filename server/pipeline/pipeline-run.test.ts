import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { userContext } from '../../test/support/trpc';
import { appRouter } from '../api/router';
import { createCallerFactory } from '../api/trpc';
import { createOrganization } from '../services/orgs';
import { createUser } from '../services/users';
import { createPublisher } from '../realtime/publish';
import { PULL_REQUESTS_DIR } from './file-pull-request-store';
import { localRepoId, runSpecHeadless } from './headless-run';
import {
  architectDesign,
  call,
  checkoutState,
  DISCOUNT_TASK,
  DISCOUNT_TESTS,
  exec,
  FIRST_VERSION,
  makeFixtureRepo,
  plannerSubmittingTwice,
  qaVerdict,
  removeFixtures,
  RANGE_FIX,
  RANGE_TEST,
  roleOf,
  SPEC,
  teamScript,
  type TeamScript,
} from '../../test/pipeline/run-test-support';
import { MAX_QA_CYCLES } from './types';

const MODEL = 'openai:gpt-4o-mini';
let llm: FakeLlm | undefined;
let t: TestDatabase;
/** The instance's first organisation (the one CLI runs belong to by default) and its owner. */
let owner: { id: string };
let org: { id: string };
beforeAll(async () => {
  t = await createTestDatabase('headless');
  owner = await createUser(t.db, { name: 'Owner', email: 'owner@example.com', password: 'correct horse battery staple' });
  org = await createOrganization(t.db, { name: 'Acme', ownerId: owner.id });
});
afterAll(async () => {
  removeFixtures();
  await t?.close();
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

/**
 * The whole run on a fresh fixture repository with `team` answering as the model. `gate`, when
 * given, is awaited before each request is answered (to hold a role until something happened).
 */
async function runWithTeam(team: TeamScript, options: { concurrency?: number; gate?: (body: Record<string, unknown>) => Promise<void> } = {}) {
  const { repo, dataDir } = await makeFixtureRepo();
  const before = await checkoutState(repo);
  const answer = teamScript(team);
  llm = await startFakeLlm({
    script: async (body: Record<string, unknown>) => {
      await options.gate?.(body);
      return answer(body);
    },
  });
  const log: string[] = [];
  const { refused, summary, runId } = await runSpecHeadless({
    db: t.db,
    databaseUrl: t.url,
    publish: createPublisher(t.db, t.pool),
    repo,
    specMarkdown: SPEC,
    modelName: MODEL,
    baseUrl: `${llm.url}/v1`,
    dataDir,
    driver: 'bwrap',
    concurrency: options.concurrency,
    log: (line) => log.push(line),
  });
  const g = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
  return { repo, dataDir, before, refused, summary, runId, log, g };
}

describe('runSpecHeadless: the whole pipeline on a fixture repository against the fake LLM server', () => {
  it(`fails the task at the cap of ${MAX_QA_CYCLES} QA cycles with its open findings`, async () => {
    const r = await runWithTeam({
      planner: plannerSubmittingTwice,
      architect: architectDesign,
      // The developer keeps touching the doc comment and never adds the range check.
      developer: (ctx) => {
        const edits = ctx.run === 1 ? [FIRST_VERSION, DISCOUNT_TESTS] : [{ path: 'src/cart.js', mode: 'replace', search: 'rounded to cents', replace: `rounded to cents (attempt ${ctx.run})` }];
        if (ctx.step === 0) return call('apply_code_changes', { changes: edits });
        return call('finish', { summary: `attempt ${ctx.run}` });
      },
      qa: (ctx) => {
        const steps = ctx.run === 1 ? [call('apply_code_changes', { changes: [RANGE_TEST] })] : [];
        steps.push(call('run_command', { command: 'npm test' }));
        return ctx.step < steps.length ? steps[ctx.step] : qaVerdict(ctx);
      },
    });
    expect(r.refused).toBe(false);
    expect(r.summary.status).toBe('failed');
    expect(r.summary.tasks).toHaveLength(1);
    expect(r.summary.tasks[0]).toMatchObject({ id: 'T1', status: 'failed', cycles: MAX_QA_CYCLES, reason: `QA and review did not converge in ${MAX_QA_CYCLES} cycles` });
    // The reviewer never ran: QA never passed.
    expect(llm!.requests.filter((b) => roleOf(b) === 'reviewer')).toHaveLength(0);
    expect(llm!.requests.filter((b) => roleOf(b) === 'qa' && !(b.messages as Array<{ role: string }>).some((m) => m.role === 'assistant'))).toHaveLength(MAX_QA_CYCLES);

    // A draft pull request that says it needs attention, with the open finding in its report.
    const pr = r.summary.pullRequests[0];
    expect(pr.title).toBe('[needs attention] Add applyDiscount to the cart');
    expect(pr.report).toContain(`Status: **failed** (QA and review did not converge in ${MAX_QA_CYCLES} cycles)`);
    expect(pr.report).toContain('### Open findings\n- [bug] applyDiscount(100, 150) returns -50 instead of throwing a RangeError (src/cart.js)');
    expect(pr.report).toMatch(/^3\. ❌ /m);
    for (let c = 1; c <= MAX_QA_CYCLES; c++) expect(pr.report).toMatch(new RegExp(`- cycle ${c}: \\[\`npm test\` → exit 1\\]\\(http://[^)]+&record=\\d+#recording\\)`));
    // The report says at its top that the cap was hit.
    expect(pr.report.split('\n')[2]).toBe(`> ⚠️ **The cap of ${MAX_QA_CYCLES} QA cycles was hit**: QA and review did not converge, so this change is **not verified**. The findings still open are listed below.`);
    const recordDir = join(r.dataDir, PULL_REQUESTS_DIR, localRepoId(r.repo));
    const record = JSON.parse(readFileSync(join(recordDir, readdirSync(recordDir)[0]), 'utf8'));
    expect(record).toMatchObject({ branch: pr.branch, draft: true, labels: ['nightshift', 'needs-attention'] });

    // The work is still committed on its branch, for a person to pick up.
    expect(await r.g('show', `${pr.branch}:src/cart.js`)).toContain('rounded to cents (attempt 3)');
    expect(await r.g('log', '-1', '--format=%B', pr.branch)).toMatch(/Not converged: QA and review did not converge[\s\S]*Nightshift-Run: /);
    expect(await checkoutState(r.repo)).toEqual(r.before);
  }, 180_000);

  it('runs the tasks of one wave side by side with concurrency 2, and reports them in plan order', async () => {
    const FORMAT_TASK = {
      id: 'T2',
      title: 'Put the sign before the dollar in formatPrice',
      description: 'formatPrice(-500) must print -$5.00, not $-5.00 (src/format.js).',
      files: ['src/format.js'],
      dependsOn: [],
    };
    const SIGN_FIX = { path: 'src/format.js', mode: 'replace', search: "  return '$' + (cents / 100).toFixed(2);", replace: "  const sign = cents < 0 ? '-' : '';\n  return sign + '$' + (Math.abs(cents) / 100).toFixed(2);" };
    // Each developer's first turn waits until the other task's developer has asked as well: only
    // tasks that run at the same time get past this (one at a time, the first would wait forever).
    const developersIn = new Set<string>();
    let release!: () => void;
    const bothIn = new Promise<void>((r) => (release = r));
    const gate = async (body: Record<string, unknown>) => {
      const messages = (body.messages ?? []) as Array<{ role: string }>;
      if (roleOf(body) !== 'developer' || messages.some((m) => m.role === 'assistant')) return;
      developersIn.add(JSON.stringify(body.messages).includes(FORMAT_TASK.title) ? 'T2' : 'T1');
      if (developersIn.size === 2) release();
      await bothIn;
    };
    const r = await runWithTeam(
      {
        planner: (ctx) => (ctx.step === 0 ? call('submit_plan', { tasks: [DISCOUNT_TASK, FORMAT_TASK] }) : call('finish', { summary: 'Two tasks on different files.' })),
        architect: architectDesign,
        developer: (ctx) => {
          const format = ctx.objective.includes(FORMAT_TASK.title);
          if (ctx.step === 0) return call('apply_code_changes', { changes: format ? [SIGN_FIX] : [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST] });
          if (ctx.step === 1 && !format) return call('apply_code_changes', { changes: [RANGE_FIX] });
          return call('finish', { summary: format ? 'formatPrice puts the sign first' : 'applyDiscount with its range check and tests' });
        },
        qa: (ctx) => (ctx.step === 0 ? call('run_command', { command: 'npm test' }) : qaVerdict(ctx)),
        reviewer: () => call('finish', { steelman: 'Small, tested, in scope.', verdict: 'approve', summary: 'Approved.' }),
      },
      { concurrency: 2, gate },
    );
    expect(r.summary.status, r.summary.reason).toBe('succeeded');
    expect(r.summary.tasks.map((t) => ({ id: t.id, wave: t.wave, status: t.status }))).toEqual([
      { id: 'T1', wave: 0, status: 'succeeded' },
      { id: 'T2', wave: 0, status: 'succeeded' },
    ]);
    expect([...developersIn].sort()).toEqual(['T1', 'T2']);
    // Each branch holds its own task's work only.
    const [discount, format] = r.summary.pullRequests;
    expect(await r.g('show', `${discount.branch}:src/cart.js`)).toContain('export function applyDiscount');
    expect(await r.g('show', `${discount.branch}:src/format.js`)).not.toContain('const sign');
    expect(await r.g('show', `${format.branch}:src/format.js`)).toContain("const sign = cents < 0 ? '-' : '';");
    expect(await r.g('show', `${format.branch}:src/cart.js`)).not.toContain('applyDiscount');
    // Interleaved progress says which task each line is about.
    expect(r.log.some((l) => l.startsWith('[T1]   developer'))).toBe(true);
    expect(r.log.some((l) => l.startsWith('[T2]   developer'))).toBe(true);
    expect(r.log).toContain('wave 1/1: T1, T2');
    expect(await checkoutState(r.repo)).toEqual(r.before);
  }, 180_000);

  it('splits a QA finding about another task\'s file into a remediation task run in a later wave', async () => {
    const FORMAT_FINDING = 'formatPrice in src/format.js prints a discount of -500 cents as $-5.00 instead of -$5.00';
    const r = await runWithTeam({
      planner: plannerSubmittingTwice,
      architect: architectDesign,
      developer: (ctx) => {
        const fixTask = ctx.objective.includes('Remediate:');
        const edits = fixTask
          ? [{ path: 'src/format.js', mode: 'replace', search: "  return '$' + (cents / 100).toFixed(2);", replace: "  const sign = cents < 0 ? '-' : '';\n  return sign + '$' + (Math.abs(cents) / 100).toFixed(2);" }]
          : [FIRST_VERSION, DISCOUNT_TESTS, RANGE_TEST];
        if (ctx.step === 0) return call('apply_code_changes', { changes: edits });
        if (ctx.step === 1 && !fixTask) return call('apply_code_changes', { changes: [RANGE_FIX] });
        return call('finish', { summary: fixTask ? 'formatPrice puts the sign before the dollar sign' : 'applyDiscount with its range check and tests' });
      },
      qa: (ctx) => {
        if (ctx.step === 0) return call('run_command', { command: 'npm test' });
        // The task itself passes; the formatting problem lies in a file of no task of this plan.
        const outOfTask = ctx.objective.includes('Remediate:') ? [] : [{ id: 'X1', category: 'other-task', severity: 'major', file: 'src/format.js', message: FORMAT_FINDING }];
        return qaVerdict(ctx, outOfTask);
      },
      reviewer: () => call('finish', { steelman: 'Small, tested, in scope.', verdict: 'approve', summary: 'Approved.' }),
    });
    expect(r.summary.status).toBe('succeeded');
    expect(r.summary.tasks.map((t) => ({ id: t.id, wave: t.wave, status: t.status, remediationOf: t.remediationOf, cycles: t.cycles }))).toEqual([
      { id: 'T1', wave: 0, status: 'succeeded', remediationOf: undefined, cycles: 1 },
      { id: 'T1-fix', wave: 1, status: 'succeeded', remediationOf: 'T1', cycles: 1 },
    ]);
    const [origin, fix] = r.summary.pullRequests;
    expect(r.summary.pullRequests).toHaveLength(2);
    expect(origin.report).toContain(`### Split into a remediation task\n- [other-task] ${FORMAT_FINDING} (src/format.js)`);
    expect(fix.title).toBe('Remediate: Add applyDiscount to the cart');
    expect(fix.branch).toMatch(/^nightshift\/remediate-add-applydiscount-to-the-cart-[0-9a-f]{8}$/);

    // The remediation task was told what to fix and where it came from.
    const fixDev = llm!.requests.find((b) => roleOf(b) === 'developer' && JSON.stringify(b.messages).includes('Remediate:'));
    expect(JSON.stringify(fixDev?.messages)).toContain(`Follow-up of task T1`);
    expect(JSON.stringify(fixDev?.messages)).toContain(FORMAT_FINDING);

    // Stacked on its origin's branch: it holds T1's work and its own fix, one commit each.
    expect(await r.g('show', `${fix.branch}:src/format.js`)).toContain("const sign = cents < 0 ? '-' : '';");
    expect(await r.g('show', `${fix.branch}:src/cart.js`)).toContain('export function applyDiscount');
    expect(await r.g('show', `${origin.branch}:src/format.js`)).not.toContain('const sign');
    expect((await r.g('rev-list', '--count', `${origin.branch}..${fix.branch}`)).trim()).toBe('1');
    expect(r.log.some((l) => /task T1: 1 finding outside its scope → remediation task T1-fix/.test(l))).toBe(true);
    expect(r.log.some((l) => /^wave 2\/2: T1-fix$/.test(l))).toBe(true);
    expect(await checkoutState(r.repo)).toEqual(r.before);

    // A run like any other, in the database: its tasks, checkpoints, pull requests and live events.
    const run = await t.db.selectFrom('runs').select(['status', 'runner', 'plan_owner', 'cost_usd']).where('id', '=', r.runId!).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', runner: 'cli', plan_owner: null });
    expect(Number(run.cost_usd)).toBeCloseTo(r.summary.costUsd, 6);
    const tasks = await t.db.selectFrom('tasks').select(['id', 'key', 'status', 'remediation_of', 'wave']).where('run_id', '=', r.runId!).orderBy('wave').execute();
    expect(tasks.map((x) => ({ key: x.key, status: x.status, remediation_of: x.remediation_of, wave: x.wave }))).toEqual([
      { key: 'T1', status: 'succeeded', remediation_of: null, wave: 0 },
      { key: 'T1-fix', status: 'succeeded', remediation_of: 'T1', wave: 1 },
    ]);
    const cps = await t.db.selectFrom('task_checkpoints').select(['task_id', 'state']).where('task_id', 'in', tasks.map((x) => x.id)).execute();
    expect(cps.length).toBeGreaterThan(4);
    expect(cps.every((c) => /^[0-9a-f]{40}$/.test(String((c.state as { commit?: string }).commit)))).toBe(true);
    expect(await t.db.selectFrom('pull_requests').select('branch').where('run_id', '=', r.runId!).orderBy('created_at').execute()).toEqual([{ branch: origin.branch }, { branch: fix.branch }]);
    const events = await t.db.selectFrom('events').select('type').where('run_id', '=', r.runId!).execute();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['task.status', 'agent.role', 'agent.tool', 'agent.verdict', 'pull-request.opened']));

    // …and in the web product: the organisation's owner sees it through the same API the pages use.
    const web = createCallerFactory(appRouter)(userContext(t.db, owner.id));
    expect((await web.run.list({ orgId: org.id })).map((x) => x.id)).toContain(r.runId);
    const shown = await web.run.get({ orgId: org.id, runId: r.runId! });
    expect(shown.status).toBe('succeeded');
    expect(shown.waves.map((w) => w.map((x) => `${x.key}:${x.status}`))).toEqual([['T1:succeeded'], ['T1-fix:succeeded']]);
    expect((await web.run.pullRequests({ orgId: org.id, runId: r.runId! })).map((p) => p.branch).sort()).toEqual([origin.branch, fix.branch].sort());
    const recorded = await web.recording.tasks({ orgId: org.id, runId: r.runId! });
    expect(recorded.map((x) => ({ key: x.key, status: x.status }))).toEqual([
      { key: 'T1', status: 'approved' },
      { key: 'T1-fix', status: 'approved' },
    ]);
    expect(recorded.every((x) => x.records > 0 && (x.modelCalls ?? 0) > 0)).toBe(true);
  }, 180_000);
});
