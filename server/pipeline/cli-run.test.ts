import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { scoreSpec } from '../specs/score';
import { buildRepoIndex } from '../specs/repo-index';
import { PULL_REQUESTS_DIR } from './file-pull-request-store';
import { localRepoId } from './headless-run';
import {
  architectDesign,
  call,
  checkoutState,
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
  VAGUE_SPEC,
} from '../../test/pipeline/run-test-support';
import { runCli } from '../../test/support/cli';


const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** The reviewer's finding in cycle 2: magic numbers; fixed by the developer in cycle 3. */
const CONSTANTS_FIX = [
  { path: 'src/cart.js', mode: 'replace', search: '/** The total with', replace: 'const MIN_PERCENT = 0;\nconst MAX_PERCENT = 100;\n\n/** The total with' },
  { path: 'src/cart.js', mode: 'replace', search: 'if (percent < 0 || percent > 100)', replace: 'if (percent < MIN_PERCENT || percent > MAX_PERCENT)' },
];

let llm: FakeLlm | undefined;
afterAll(async () => {
  await llm?.close();
  removeFixtures();
});

describe('nightshift run (CLI) against the fake LLM server', () => {
  it('runs plan → architect → developer ⇄ QA → reviewer to an approved pull request, checkout untouched', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    const specFile = join(dataDir, '..', 'spec.md');
    writeFileSync(specFile, SPEC);
    const before = await checkoutState(repo);

    const script = teamScript({
      planner: plannerSubmittingTwice,
      architect: architectDesign,
      developer: (ctx) => {
        const edits = ctx.run === 1 ? [FIRST_VERSION, DISCOUNT_TESTS] : ctx.run === 2 ? [RANGE_FIX] : CONSTANTS_FIX;
        if (ctx.step === 0) return call('apply_code_changes', { changes: edits });
        if (ctx.step === 1) return call('run_command', { command: 'npm test' });
        return call('finish', { summary: `cycle ${ctx.run}: ${ctx.run === 1 ? 'added applyDiscount and its tests' : ctx.run === 2 ? 'percent outside 0–100 now throws a RangeError' : 'bounds named MIN_PERCENT/MAX_PERCENT'}; npm test passes` });
      },
      qa: (ctx) => {
        // First pass: QA writes the missing test for criterion 3, then runs the suite.
        const steps = ctx.run === 1 ? [call('apply_code_changes', { changes: [RANGE_TEST] })] : [];
        steps.push(call('run_command', { command: 'npm test' }));
        return ctx.step < steps.length ? steps[ctx.step] : qaVerdict(ctx);
      },
      reviewer: (ctx) =>
        ctx.run === 1
          ? call('finish', {
              steelman: 'The change is small and correct: the range check runs before any arithmetic, rounding to cents matches the spec, and each criterion has a test that ran green.',
              verdict: 'request_changes',
              summary: 'Correct, but the bounds are magic numbers.',
              findings: [{ id: 'R1', category: 'lint', severity: 'minor', file: 'src/cart.js', message: 'Name the bounds 0 and 100 as MIN_PERCENT and MAX_PERCENT constants' }],
            })
          : call('finish', {
              steelman: 'Every criterion is demonstrated by a passing test in the sandbox and the bounds are now named.',
              verdict: 'approve',
              summary: 'Approved: minimal, tested, matches the spec.',
              criteria: [1, 2, 3].map((criterion) => ({ criterion, met: true, evidence: 'read src/cart.js and the QA run of npm test' })),
            }),
    });
    llm = await startFakeLlm({ script });
    const secret = 'sk-test-THIS-KEY-MUST-NOT-LEAK-42';
    const { code, stdout, stderr } = await runCli(
      ['run', '--repo', repo, '--spec', specFile, '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--driver', 'bwrap'],
      { NIGHTSHIFT_DATA_DIR: dataDir, OPENAI_API_KEY: secret },
    );
    expect(code, stderr).toBe(0);

    // ---- the summary line ----
    const summary = lastLine(stdout);
    expect(Object.keys(summary)).toEqual(['status', 'spec', 'tasks', 'pullRequests', 'costUsd', 'runId']);
    expect(summary.status).toBe('succeeded');
    // The run id, as the progress line named it (what --resume and the web app's run page take).
    expect(summary.runId).toBe(/run ([0-9a-f-]{36}) \(organisation/.exec(stderr)?.[1]);
    // The gate grounds the spec in --repo (names it gives that the checkout lacks count), like `spec score --repo`.
    expect(summary.spec).toEqual({ score: scoreSpec(SPEC, { repo: await buildRepoIndex(repo) }).score });
    expect(summary.tasks).toHaveLength(1);
    expect(summary.tasks[0]).toMatchObject({ id: 'T1', title: 'Add applyDiscount to the cart', wave: 0, status: 'succeeded', cycles: 3 });
    expect(summary.costUsd).toBeGreaterThan(0);
    expect(summary.pullRequests).toHaveLength(1);
    const pr = summary.pullRequests[0];
    expect(pr.branch).toMatch(/^nightshift\/add-applydiscount-to-the-cart-[0-9a-f]{8}$/);
    expect(pr.branch).toBe(summary.tasks[0].branch);
    expect(pr.title).toBe('Add applyDiscount to the cart');
    expect(pr.url).toBeUndefined();

    // ---- the verification report ----
    const report: string = pr.report;
    expect(report).toContain('Status: **approved**');
    for (const n of [1, 2, 3]) expect(report).toMatch(new RegExp(`^${n}\\. ✅ `, 'm'));
    // Each criterion's evidence is the recorded run of the tests, linked to its output in the run's recording.
    const link = (exit: number) => `\\[\`npm test\` → exit ${exit}\\]\\(https?://[^/]+/o/local/runs/${'[0-9a-f-]{36}'}\\?task=[0-9a-f-]{36}&record=\\d+#recording\\)`;
    expect(report).toMatch(new RegExp(`QA \\(cycle 1\\): not met — ${link(1)} — test/discount-range\\.test\\.js "a percent above 100 is a RangeError"`));
    expect(report).toMatch(new RegExp(`QA \\(cycle 2\\): met — ${link(0)} — test/discount-range\\.test\\.js "a percent above 100 is a RangeError"`));
    expect(report).toMatch(new RegExp(`- cycle 1: ${link(1)}\n- cycle 2: ${link(0)}\n- cycle 3: ${link(0)}\n`));
    expect(report).toContain('### Roles and QA cycles (3)');
    expect(report).toMatch(/- architect: Approach: add applyDiscount next to subtotal/);
    expect(report).toMatch(/\*\*Cycle 1\*\*\n\n- developer: cycle 1: added applyDiscount[^\n]*\n- qa — \*\*fail\*\*: [^\n]*\n {2}- F1 \[bug\] applyDiscount\(100, 150\) returns -50/);
    expect(report).toMatch(/\*\*Cycle 2\*\*[\s\S]*- qa — \*\*pass\*\*[\s\S]*- reviewer — \*\*request_changes\*\*: Correct, but the bounds are magic numbers\.[^\n]*\n {2}- steelman: The change is small and correct[^\n]*\n {2}- R1 \[lint\] Name the bounds/);
    expect(report).toMatch(/\*\*Cycle 3\*\*[\s\S]*- reviewer — \*\*approve\*\*: Approved[^\n]*\n {2}- steelman: Every criterion/);
    for (const role of ['architect', 'developer', 'qa', 'reviewer']) {
      const row = new RegExp(`^\\| ${role} \\| (\\d+) \\| (\\d+) \\| \\$(\\d+\\.\\d{4}) \\|$`, 'm').exec(report);
      expect(row, role).not.toBeNull();
      expect(Number(row![1])).toBeGreaterThan(0);
      expect(Number(row![2])).toBeGreaterThan(0);
    }
    expect(report).toMatch(/Prompt versions: .*role\.architect@.*/);
    expect(report).toMatch(/role\.qa@/);
    expect(report).toMatch(/role\.reviewer@/);

    // ---- what the roles were told: the structured handoffs ----
    const byRole = (role: string) => llm!.requests.filter((b) => roleOf(b) === role);
    const planner = byRole('planner');
    expect(planner).toHaveLength(3);
    expect(JSON.stringify(planner[1].messages)).toContain('files is empty');
    const devFirstTurns = byRole('developer').filter((b) => !(b.messages as Array<{ role: string }>).some((m) => m.role === 'assistant'));
    expect(devFirstTurns).toHaveLength(3);
    expect(JSON.stringify(devFirstTurns[1].messages)).toContain('applyDiscount(100, 150) returns -50 instead of throwing a RangeError');
    expect(JSON.stringify(devFirstTurns[2].messages)).toContain('Name the bounds 0 and 100 as MIN_PERCENT and MAX_PERCENT constants');
    const qaCycle1 = byRole('qa').find((b) => JSON.stringify(b.messages).includes('exit code 1'));
    expect(JSON.stringify(qaCycle1?.messages)).toMatch(/RangeError/);
    expect(JSON.stringify(llm.requests)).not.toContain(secret);

    // ---- the branch and its commit, pushed into the repository ----
    const g = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
    expect((await g('branch', '--list', 'nightshift/*', '--format=%(refname:short)')).trim().split('\n')).toEqual([pr.branch]);
    const cart = await g('show', `${pr.branch}:src/cart.js`);
    expect(cart).toContain('export function applyDiscount(total, percent)');
    expect(cart).toContain('if (percent < MIN_PERCENT || percent > MAX_PERCENT) throw new RangeError');
    expect(await g('show', `${pr.branch}:test/discount-range.test.js`)).toContain('assert.throws');
    const message = await g('log', '-1', '--format=%an <%ae>%n%B', pr.branch);
    expect(message).toMatch(/^Nightshift Agent <agent@nightshift\.local>\nnightshift: Add applyDiscount to the cart/);
    expect(message).toMatch(/Nightshift-Run: [0-9a-f-]{36}/);
    expect((await g('rev-list', '--count', `main..${pr.branch}`)).trim()).toBe('1');

    // ---- the local pull-request record survives the process ----
    const recordDir = join(dataDir, PULL_REQUESTS_DIR, localRepoId(repo));
    const files = readdirSync(recordDir);
    expect(files).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(recordDir, files[0]), 'utf8'));
    expect(record).toMatchObject({ branch: pr.branch, base: 'main', title: pr.title, body: report, draft: false, provider: 'local', state: 'open', labels: ['nightshift', 'verified'] });
    expect(record.diff).toContain('+export function applyDiscount(total, percent) {');

    // ---- the user's checkout is untouched ----
    expect(await checkoutState(repo)).toEqual(before);
    expect((await g('worktree', 'list')).trim().split('\n')).toHaveLength(1);

    // ---- progress went to stderr ----
    expect(stderr).toMatch(/spec scores \d+/);
    expect(stderr).toMatch(/wave 1\/1: T1/);
    expect(stderr).toMatch(/qa \(cycle 1\): done — fail/);
    expect(stderr).toMatch(/reviewer \(cycle 3\): done — approve/);
  }, 180_000);

  it('refuses a spec below the threshold with its findings (exit 2) and touches nothing', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    const specFile = join(dataDir, '..', 'vague.md');
    writeFileSync(specFile, VAGUE_SPEC);
    const before = await checkoutState(repo);
    const { code, stdout, stderr } = await runCli(
      ['run', '--repo', repo, '--spec', specFile, '--model', 'openai:gpt-4o-mini', '--base-url', 'http://127.0.0.1:9/v1', '--driver', 'bwrap'],
      { NIGHTSHIFT_DATA_DIR: dataDir },
    );
    expect(code).toBe(2);
    const expected = scoreSpec(VAGUE_SPEC);
    expect(expected.accepted).toBe(false);
    expect(stderr).toContain(`the spec scores ${expected.score}, below the threshold 70`);
    expect(stderr).toContain(expected.findings[0].message);
    const summary = lastLine(stdout);
    expect(summary).toMatchObject({ status: 'failed', spec: { score: expected.score }, tasks: [], pullRequests: [], costUsd: 0 });
    expect(summary.spec.findings).toHaveLength(expected.findings.length);
    expect(existsSync(dataDir)).toBe(false);
    expect(await checkoutState(repo)).toEqual(before);
  });

  it('rejects bad flags with exit 2 before it opens a database (each flag: server/cli/run-options.test.ts)', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    // Run from a folder with a tsconfig of its own: the CLI's `@/…` imports still resolve (bin pins ours).
    writeFileSync(join(repo, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { '@/*': ['./elsewhere/*'] } } }));
    const env = { NIGHTSHIFT_DATA_DIR: dataDir, DATABASE_URL: '' };
    const [noRepo, badModel] = await Promise.all([
      runCli(['run', '--spec', 'x.md', '--model', 'openai:x', '--max-cycles', '9'], env),
      runCli(['run', '--repo', repo, '--spec', 'x.md', '--model', 'nope'], env, { cwd: repo }),
    ]);
    expect(noRepo.code, noRepo.stderr).toBe(2);
    expect(noRepo.stderr).toMatch(/^nightshift run: --repo required\n\nusage: nightshift run /);
    expect(noRepo.stdout).toBe('');
    expect(badModel.code, badModel.stderr).toBe(2);
    expect(badModel.stderr).toContain('must be written provider:model');
    // No database was started (it would have created the data directory) and nothing was written.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});
