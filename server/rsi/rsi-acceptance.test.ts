/**
 * Acceptance of issue 16's self-improvement loop, through the CLI a user runs, on a real Postgres,
 * real git, the bwrap sandbox and the fake LLM server playing both the agents and the reporter:
 *
 * two eval attempts fail the same way (the developer edits from memory: apply_code_changes refuses,
 * the hidden test fails) → `nightshift rsi report` shows one observation of that tool error with both
 * run ids → `nightshift rsi run --once` → the scripted reporter proposes a patch that does not apply
 * (rejected, said clearly) and a prompt patch → calibration with the scripted model: the suite
 * without and with it (50% → 100%), the failing task passes with it → adopted as a new version of the
 * organisation's prompt override, and Slack hears about it → a second cycle's proposal that makes the
 * eval worse is rejected with the numbers, as is one whose every model call is refused; one whose
 * calibration cannot run is not adopted either (the reason said, exit 1); nothing else was adopted.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { BREAKS, GUIDANCE, MISREMEMBERED, rsiScript, rsiSuite, SABOTAGE, type ScriptedProposal } from '../../test/support/rsi-fixtures';
import { startLocalReceiver, type LocalReceiver } from '../notify/testing/local-receiver';
import { createChannel } from '../services/notification-channels';
import { listEvalRuns } from '../services/evals';
import { setRsiSettings } from '../services/rsi';
import { runCli } from '../../test/support/cli';

const skip = !bwrapAvailable() || detectCgroups().version === 0;

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

const MODEL = 'openai:gpt-4o-mini';

describe.skipIf(skip)('self-improvement loop (CLI, bwrap, fake LLM, real Postgres)', () => {
  let t: TestDatabase;
  let llm: FakeLlm;
  let slack: LocalReceiver;
  let root: string;
  let suiteDir: string;
  let dataDir: string;
  let plan: ScriptedProposal[] = [];
  beforeAll(async () => {
    t = await createTestDatabase('rsiacc');
    root = mkdtempSync(join(tmpdir(), 'ns-rsi-'));
    suiteDir = join(root, 'suite');
    dataDir = join(root, 'data');
    mkdirSync(dataDir);
    rsiSuite(suiteDir);
    llm = await startFakeLlm({ script: rsiScript(() => plan) });
    slack = await startLocalReceiver();
  });
  afterAll(async () => {
    await llm?.close();
    await slack?.close();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const env = () => ({ DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: dataDir, SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: 'sk-test-rsi', NIGHTSHIFT_OUTBOUND_ALLOW: '127.0.0.1' });
  const cycle = () => runCli(['rsi', 'run', '--once', '--model', MODEL, '--base-url', `${llm.url}/v1`, '--suite', suiteDir, '--auto-adopt', '--no-setup', '--json'], env());

  it('observes a repeated failure, adopts the prompt patch that fixes it, and rejects the one that makes the eval worse', async () => {
    // ---- two runs that fail the same way (and two that pass) ----
    const evalRun = await runCli(['eval', 'run', '--suite', suiteDir, '--model', MODEL, '--base-url', `${llm.url}/v1`, '--repeat', '2', '--no-setup'], env());
    expect(evalRun.code, evalRun.stderr).toBe(0);
    const evalResult = lastJson(evalRun.stdout);
    const failing = evalResult.tasks.filter((x: { id: string }) => x.id === 'add');
    expect(failing.map((x: { status: string }) => x.status)).toEqual(['failed', 'failed']);
    expect(evalResult.tasks.filter((x: { id: string; status: string }) => x.id === 'clamp' && x.status === 'passed')).toHaveLength(2);
    const failingRuns = failing.map((x: { runId: string }) => x.runId).sort();

    // ---- one observation of that failure, with both run ids ----
    const report = await runCli(['rsi', 'report', '--since', '1d', '--json'], env());
    expect(report.code, report.stderr).toBe(0);
    const { observations } = lastJson(report.stdout);
    const toolErrors = observations.filter((o: { kind: string }) => o.kind === 'tool-error');
    expect(toolErrors, JSON.stringify(observations, null, 1)).toHaveLength(1);
    expect(toolErrors[0]).toMatchObject({ count: 2 });
    expect([...toolErrors[0].runs].sort()).toEqual(failingRuns);
    expect(toolErrors[0].pattern).toMatch(/^apply_code_changes returned an error/);
    expect(toolErrors[0].example).toContain(MISREMEMBERED.slice(0, 10));
    for (const k of ['pattern', 'count', 'runs', 'example']) expect(Object.keys(toolErrors[0])).toContain(k);
    // The hidden test failing is the same two runs, seen from the eval's side.
    const evalFailures = observations.filter((o: { kind: string }) => o.kind === 'eval-failure');
    expect(evalFailures).toHaveLength(1);
    expect([...evalFailures[0].runs].sort()).toEqual(failingRuns);
    // The passing clamp runs are in no observation.
    const clampRuns = evalResult.tasks.filter((x: { id: string }) => x.id === 'clamp').map((x: { runId: string }) => x.runId);
    for (const o of observations) for (const r of clampRuns) expect(o.runs).not.toContain(r);

    // ---- Slack hears about adoptions ----
    const org = await t.db.selectFrom('organizations').innerJoin('memberships', 'memberships.org_id', 'organizations.id').select(['organizations.id', 'memberships.user_id']).executeTakeFirstOrThrow();
    await createChannel(t.db, { orgId: org.id, userId: org.user_id, role: 'owner' }, { kind: 'slack-webhook', name: 'eng', webhookUrl: `${slack.url}/hook` });

    // ---- cycle 1: a patch that does not apply (rejected, clearly), then the fix (adopted) ----
    plan = [
      {
        observation: 'apply_code_changes returned an error',
        args: { kind: 'prompt', target: 'roles/developer.md', title: 'Quote a line that is not there', rationale: 'a bad patch', edits: [{ search: 'Work loop (old):', replace: 'Work loop:' }] },
      },
      {
        observation: 'apply_code_changes returned an error',
        args: {
          kind: 'prompt',
          target: 'roles/developer.md',
          title: 'Re-read a file before editing it',
          rationale: 'The developer edits from memory and apply_code_changes refuses the search text; reading the file again first gives the exact text.',
          edits: [{ search: 'Work loop:\n', replace: `Work loop:\n0. ${GUIDANCE}\n` }],
        },
      },
    ];
    const first = await cycle();
    expect(first.code, first.stderr).toBe(0);
    const one = lastJson(first.stdout);
    expect(one.proposals).toHaveLength(2);
    const [bad, good] = one.proposals;
    expect(bad).toMatchObject({ kind: 'prompt', target: 'roles/developer.md', status: 'rejected' });
    expect(bad.reason).toMatch(/^the patch does not apply to roles\/developer\.md \(built-in\): the edit: /);
    expect(bad.calibration).toBeUndefined();
    expect(good).toMatchObject({ kind: 'prompt', target: 'roles/developer.md', status: 'adopted' });
    expect(good.calibration).toMatchObject({ status: 'passed', baseline: { passRate: 0.5, passed: 1, runs: 2 }, candidate: { passRate: 1, passed: 2, runs: 2 }, fixed: 2 });
    expect(good.calibration.verdict).toBe('passed: pass rate 50% (1/2) without → 100% (2/2) with; 2 of 2 observed failing runs pass with it');
    expect(one.adopted).toEqual([good.id]);
    // Each proposal names the observation it addresses: the tool error.
    const toolErrorId = (await t.db.selectFrom('rsi_observations').select(['id', 'kind']).where('report_id', '=', one.reportId).execute()).find((o) => o.kind === 'tool-error')!.id;
    expect(good.observations).toEqual([toolErrorId]);

    // Adopted through the versioned prompt overrides: version 1, with the guidance, by nobody (the gate).
    const versions = await t.db.selectFrom('prompt_overrides').select(['version', 'content', 'author_id']).where('org_id', '=', org.id).where('prompt_path', '=', 'roles/developer.md').execute();
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ version: 1, author_id: null });
    expect(versions[0].content).toContain(GUIDANCE);
    const stored = await t.db.selectFrom('rsi_proposals').select(['id', 'status', 'adopted_ref', 'base_version']).where('id', '=', good.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ status: 'adopted', adopted_ref: { promptPath: 'roles/developer.md', version: 1, previousVersion: null }, base_version: null });
    // The calibration's two eval runs are stored apart from the organisation's evals.
    const cal = await t.db.selectFrom('rsi_calibrations').selectAll().where('proposal_id', '=', good.id).executeTakeFirstOrThrow();
    const calRuns = await t.db.selectFrom('eval_runs').select(['id', 'purpose', 'pass_rate', 'compared_to']).where('id', 'in', [cal.baseline_eval_run_id!, cal.candidate_eval_run_id!]).execute();
    expect(calRuns.map((r) => r.purpose)).toEqual(['calibration', 'calibration']);
    expect(calRuns.every((r) => r.compared_to === null)).toBe(true);
    const listed = await listEvalRuns(t.db, { orgId: org.id, userId: org.user_id, role: 'owner' }, {});
    expect(listed.map((r) => r.id)).toEqual([evalResult.evalRunId]);
    expect(cal.reruns.map((r) => r.status)).toEqual(['passed', 'passed']);
    expect(cal.reruns.map((r) => r.runId).sort()).toEqual(failingRuns);
    // Slack heard about it.
    const adoptedMessages = slack.requests.filter((r) => r.body.includes('Improvement adopted'));
    expect(adoptedMessages).toHaveLength(1);
    expect(adoptedMessages[0].body).toContain('Re-read a file before editing it');
    expect(adoptedMessages[0].body).toContain('prompt roles/developer.md');
    // The reporter saw the organisation's prompts and the observations; no secret key in any request.
    expect(JSON.stringify(llm.requests)).not.toContain('sk-test-rsi');

    // ---- cycle 2: a proposal that makes the eval worse is rejected with the numbers ----
    plan = [
      {
        observation: 'apply_code_changes returned an error',
        args: {
          kind: 'prompt',
          target: 'roles/developer.md',
          title: 'Only check lower bounds',
          rationale: 'a harmful change',
          edits: [{ search: `0. ${GUIDANCE}\n`, replace: `0. ${GUIDANCE}\n0. ${SABOTAGE}\n` }],
        },
      },
    ];
    const second = await cycle();
    expect(second.code, second.stderr).toBe(0);
    const two = lastJson(second.stdout);
    expect(two.proposals).toHaveLength(1);
    const worse = two.proposals[0];
    expect(worse).toMatchObject({ status: 'rejected', calibration: { status: 'failed', baseline: { passRate: 1, passed: 2, runs: 2 }, candidate: { passRate: 0.5, passed: 1, runs: 2 } } });
    expect(worse.reason).toBe('rejected: the pass rate dropped: pass rate 100% (2/2) without → 50% (1/2) with; 2 of 2 observed failing runs pass with it');
    expect(two.adopted).toEqual([]);
    // Nothing adopted by accident: still only version 1, and one adoption notice.
    const after = await t.db.selectFrom('prompt_overrides').select(['version', 'content']).where('org_id', '=', org.id).execute();
    expect(after).toHaveLength(1);
    expect(after[0].content).not.toContain(SABOTAGE);
    expect(slack.requests.filter((r) => r.body.includes('Improvement adopted'))).toHaveLength(1);
    // Calibration runs are never mined: the second report saw the same two failing runs.
    const obs2 = two.observations.find((o: { kind: string }) => o.kind === 'tool-error');
    expect([...obs2.runs].sort()).toEqual(failingRuns);

    // ---- cycle 3: a change the model endpoint refuses (HTTP 400 on every developer call) fails every task: rejected ----
    plan = [
      {
        observation: 'apply_code_changes returned an error',
        args: { kind: 'prompt', target: 'roles/developer.md', title: 'Use the legacy format', rationale: 'a change the model endpoint refuses', edits: [{ search: `0. ${GUIDANCE}\n`, replace: `0. ${GUIDANCE}\n0. ${BREAKS}\n` }] },
      },
    ];
    const third = await cycle();
    expect(third.code, third.stderr).toBe(0);
    const three = lastJson(third.stdout);
    expect(three.proposals).toHaveLength(1);
    expect(three.proposals[0]).toMatchObject({ status: 'rejected', calibration: { status: 'failed', baseline: { passRate: 1 }, candidate: { passRate: 0, passed: 0, runs: 2 } } });
    expect(three.adopted).toEqual([]);

    // ---- cycle 4: a calibration that cannot run adopts nothing, says why, and the CLI exits 1 ----
    await setRsiSettings(t.db, { orgId: org.id, userId: org.user_id, role: 'owner' }, { evalSuite: 'challenges' });
    const fourth = await runCli(['rsi', 'run', '--once', '--model', MODEL, '--base-url', `${llm.url}/v1`, '--auto-adopt', '--no-setup', '--json'], env());
    expect(fourth.code, fourth.stderr).toBe(1);
    const four = lastJson(fourth.stdout);
    expect(four.proposals).toHaveLength(1);
    expect(four.proposals[0].status).toBe('error');
    expect(four.proposals[0].reason).toBe('not calibrated: the calibration suite cannot run: the organisation has no adopted eval challenges yet; calibrate with the built-in suite until one is adopted; nothing adopted');
    expect(four.adopted).toEqual([]);

    const finalPrompts = await t.db.selectFrom('prompt_overrides').select(['version', 'content']).where('org_id', '=', org.id).execute();
    expect(finalPrompts).toHaveLength(1);
    expect(finalPrompts[0].content).not.toContain(BREAKS);
    expect(slack.requests.filter((r) => r.body.includes('Improvement adopted'))).toHaveLength(1);
  }, 600_000);
});
