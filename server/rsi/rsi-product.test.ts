/**
 * The self-improvement loop in the product (issue 16, items 7 and 9), on a real Postgres and
 * pg-boss: the `rsi-schedule` cron queues one report per organisation that is due (default hourly,
 * off switch honoured, never two open at once), the `rsi-cycle` job mines it into observations;
 * "Run now" queues a cycle (sent at once, or by the next tick on a web process without the job
 * queue); the Improvements page's procedures list reports, observations and proposals with their
 * calibration figures; an admin adopts a proposal whose calibration passed (a new prompt override
 * version; Slack hears about it, naming who approved), dismisses one, reverts an adopted one.
 * Members read; only admins change anything; another organisation sees nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoss } from '../../jobs/boss';
import type { JobContext } from '../../jobs/definition';
import { NOTIFY_JOB, notifyJob, ZNotifyPayload } from '../../jobs/notify';
import { createRsiCycleJob, RSI_CYCLE_JOB, RSI_SCHEDULE_JOB, rsiScheduleJob, ZRsiCycleJob } from '../../jobs/rsi';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { errorCode, userContext } from '../../test/support/trpc';
import { rsiRouter } from '../api/routers/rsi';
import { createCallerFactory } from '../api/trpc';
import { startLocalReceiver, type LocalReceiver } from '../notify/testing/local-receiver';
import { readBuiltInPrompt } from '../prompts/org-overrides';
import { createPublisher } from '../realtime/publish';
import { activePromptOverride } from '../services/agent-settings';
import { createChannel } from '../services/notification-channels';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { createCalibration, finishCalibration, insertProposal, type NewProposal } from '../services/rsi';
import { createRun } from '../services/runs';
import { createSpec, submitSpec } from '../services/specs';
import { createUser } from '../services/users';

const createCaller = createCallerFactory(rsiRouter);
const GUIDANCE = 'Before an edit, read the file again.';
const NOT_CONVERGED = 'QA and review did not converge after 3 cycles';

describe('self-improvement in the product (real Postgres, pg-boss, local Slack)', () => {
  let t: TestDatabase;
  let boss: PgBoss;
  let slack: LocalReceiver;
  let ctx: JobContext;
  const ids: Record<string, string> = {};
  const failedRuns: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('rsiprod');
    boss = createBoss(t.url);
    await boss.start();
    for (const q of [RSI_SCHEDULE_JOB, RSI_CYCLE_JOB, NOTIFY_JOB]) await boss.createQueue(q, { name: q });
    slack = await startLocalReceiver(() => ({ status: 200, body: 'ok' }));
    ctx = { db: t.db, boss, publish: createPublisher(t.db, t.pool), workerId: 'test-worker', connectionString: t.url };

    const owner = await createUser(t.db, { name: 'Olga Owner', email: 'o@rsi.test', password: 'password-123' });
    const viewer = await createUser(t.db, { name: 'Vic', email: 'v@rsi.test', password: 'password-123' });
    const stranger = await createUser(t.db, { name: 'Other', email: 'x@rsi.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Improving Inc', ownerId: owner.id });
    const other = await createOrganization(t.db, { name: 'Other Org', ownerId: stranger.id });
    await t.db.insertInto('memberships').values({ org_id: org.id, user_id: viewer.id, role: 'viewer' }).execute();
    const scope = { orgId: org.id, userId: owner.id, role: 'owner' as const };
    await createChannel(t.db, scope, { kind: 'slack-webhook', name: 'eng', webhookUrl: `${slack.url}/services/T1/B1/rsisecret` });

    // Two runs whose task failed the same way, one that succeeded.
    const project = await createProject(t.db, scope, { name: 'shop', repository: 'https://example.test/shop.git' });
    const good = fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Cart badge', markdown: good });
    await submitSpec(t.db, scope, { specId: spec.id });
    for (const outcome of ['failed', 'failed', 'succeeded'] as const) {
      const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'Show the count', description: 'x', files: ['src/a.ts'], dependsOn: [] }] });
      // What the executor leaves behind when QA and review never agree (test setup of the outcome).
      await t.db.updateTable('tasks').set({ status: outcome, error: outcome === 'failed' ? NOT_CONVERGED : null }).where('run_id', '=', run.id).execute();
      await t.db.updateTable('runs').set({ status: outcome, error: outcome === 'failed' ? 'a task failed' : null }).where('id', '=', run.id).execute();
      if (outcome === 'failed') failedRuns.push(run.id);
    }
    Object.assign(ids, { owner: owner.id, viewer: viewer.id, stranger: stranger.id, orgId: org.id, otherOrg: other.id, projectId: project.id });
  });

  afterAll(async () => {
    await slack?.close();
    await boss?.stop({ graceful: false, wait: true });
    await t?.close();
  });

  const as = (userId: string, withBoss = true) => createCaller({ ...userContext(t.db, userId), ...(withBoss ? { boss } : {}) });
  const cycleJob = createRsiCycleJob({ driver: 'none' });
  async function workCycleJobs(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (;;) {
      const [job] = await boss.fetch<unknown>(RSI_CYCLE_JOB);
      if (!job) return out;
      out.push(await cycleJob.handler(ZRsiCycleJob.parse(job.data), ctx));
      await boss.complete(RSI_CYCLE_JOB, job.id);
    }
  }

  it('has settings with defaults; only admins change them, and bad values are refused clearly', async () => {
    const s = await as(ids.viewer).settings({ orgId: ids.orgId });
    expect(s).toMatchObject({ enabled: true, intervalMinutes: 60, windowDays: 7, model: null, autoAdopt: false, evalSuite: 'builtin' });
    expect(await errorCode(as(ids.viewer).setSettings({ orgId: ids.orgId, autoAdopt: true }))).toBe('FORBIDDEN');
    await expect(as(ids.owner).setSettings({ orgId: ids.orgId, intervalMinutes: 2 })).rejects.toThrow(/the interval is at least 5 minutes/);
    await expect(as(ids.owner).setSettings({ orgId: ids.orgId, model: 'gpt-4o' })).rejects.toThrow(/model/);
    expect(await as(ids.owner).settings({ orgId: ids.orgId })).toMatchObject({ intervalMinutes: 60, model: null });
    // The other organisation switches its reporter off.
    expect(await as(ids.stranger).setSettings({ orgId: ids.otherOrg, enabled: false })).toMatchObject({ enabled: false, intervalMinutes: 60 });
    expect(await errorCode(as(ids.stranger).settings({ orgId: ids.orgId }))).toBe('FORBIDDEN');
  });

  it('the schedule queues one report per due organisation; the cycle job mines it into observations', async () => {
    const first = (await rsiScheduleJob.handler({}, ctx)) as { queued: string[] };
    expect(first.queued).toHaveLength(1);
    // The organisation that switched its reporter off got none; a second tick queues nothing (one is open).
    const reports = await t.db.selectFrom('rsi_reports').select(['id', 'org_id', 'trigger', 'status', 'job_id']).execute();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ org_id: ids.orgId, trigger: 'schedule', status: 'queued' });
    expect(reports[0].job_id).toBeTruthy();
    expect(((await rsiScheduleJob.handler({}, ctx)) as { queued: string[] }).queued).toEqual([]);

    const done = await workCycleJobs();
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ reportId: first.queued[0], observations: 1, proposals: [], adopted: [] });

    const listed = await as(ids.viewer).reports({ orgId: ids.orgId });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: first.queued[0], trigger: 'schedule', status: 'finished', runsMined: 3, observations: 1, proposals: 0, model: null });
    expect(listed[0].summary).toContain('no reporter model configured: observations only');
    const { reportId, observations } = await as(ids.viewer).observations({ orgId: ids.orgId });
    expect(reportId).toBe(first.queued[0]);
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({ kind: 'task-error', count: 2, failedRuns: 2, pattern: `Tasks failed with "${NOT_CONVERGED}" in 2 runs, 2 failed` });
    expect([...observations[0].runs].sort()).toEqual([...failedRuns].sort());
    expect(observations[0].example.text).toBe(`Show the count: ${NOT_CONVERGED}`);

    // Not due again until the interval has passed.
    expect(((await rsiScheduleJob.handler({}, ctx)) as { queued: string[] }).queued).toEqual([]);
    // Another organisation sees none of it.
    expect(await errorCode(as(ids.stranger).observations({ orgId: ids.orgId, reportId: reportId! }))).toBe('FORBIDDEN');
    expect(await errorCode(as(ids.stranger).observations({ orgId: ids.otherOrg, reportId: reportId! }))).toBe('NOT_FOUND');
    expect(await as(ids.stranger).reports({ orgId: ids.otherOrg })).toEqual([]);
  });

  it('"Run now" queues a cycle: at once with the job queue, else by the next tick; never two open', async () => {
    expect(await errorCode(as(ids.viewer).runNow({ orgId: ids.orgId }))).toBe('FORBIDDEN');
    // A web process without the job queue: the report waits for the schedule's tick.
    const { reportId } = await as(ids.owner, false).runNow({ orgId: ids.orgId });
    expect(await errorCode(as(ids.owner).runNow({ orgId: ids.orgId }))).toBe('CONFLICT');
    expect(await boss.fetch(RSI_CYCLE_JOB)).toEqual([]);
    const tick = (await rsiScheduleJob.handler({}, ctx)) as { queued: string[] };
    expect(tick.queued).toEqual([reportId]);
    expect(await workCycleJobs()).toEqual([expect.objectContaining({ reportId, observations: 1 })]);
    // With the job queue: sent at once.
    const again = await as(ids.owner).runNow({ orgId: ids.orgId });
    expect(await workCycleJobs()).toEqual([expect.objectContaining({ reportId: again.reportId })]);
    const manual = (await as(ids.viewer).reports({ orgId: ids.orgId })).filter((r) => r.trigger === 'manual');
    expect(manual.map((r) => r.status)).toEqual(['finished', 'finished']);
    // A cycle whose worker died leaves its report open; it is settled and the schedule goes on.
    const stuck = await as(ids.owner).runNow({ orgId: ids.orgId });
    await t.db.updateTable('rsi_reports').set({ created_at: new Date(Date.now() - 8 * 3600_000) }).where('id', '=', stuck.reportId).execute();
    const settled = (await rsiScheduleJob.handler({}, ctx)) as { settled: number };
    expect(settled.settled).toBe(1);
    const row = await t.db.selectFrom('rsi_reports').select(['status', 'error']).where('id', '=', stuck.reportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error: 'the cycle stopped without finishing (its worker stopped or its job expired)' });
    // Its job, if a worker still takes it, does not run it a second time.
    expect(await workCycleJobs()).toEqual([{ error: `report ${stuck.reportId} is not queued any more` }]);
  });

  async function proposal(over: Partial<NewProposal> & { calibration?: 'passed' | 'failed' }): Promise<string> {
    const before = readBuiltInPrompt('roles/developer.md')!;
    const { calibration, ...p } = over;
    const id = await insertProposal(t.db, {
      orgId: ids.orgId,
      reportId: null,
      kind: 'prompt',
      target: 'roles/developer.md',
      title: 'Re-read a file before editing it',
      rationale: 'edits from memory fail',
      observationIds: [],
      edits: [{ search: 'Work loop:\n', replace: `Work loop:\n0. ${GUIDANCE}\n` }],
      baseVersion: null,
      beforeText: before,
      afterText: before.replace('Work loop:\n', `Work loop:\n0. ${GUIDANCE}\n`),
      challenge: null,
      projectId: null,
      status: 'awaiting-approval',
      statusReason: null,
      model: 'openai:gpt-4o-mini',
      ...p,
    });
    if (calibration) {
      const cal = await createCalibration(t.db, { orgId: ids.orgId, proposalId: id, suite: 'builtin', model: 'openai:gpt-4o-mini', mode: 'agent' });
      const passed = calibration === 'passed';
      await finishCalibration(t.db, {
        orgId: ids.orgId,
        calibrationId: cal,
        figures: {
          status: calibration,
          baselineEvalRunId: null,
          candidateEvalRunId: null,
          baseline: { passRate: 0.5, passed: 1, runs: 2 },
          candidate: passed ? { passRate: 1, passed: 2, runs: 2 } : { passRate: 0.5, passed: 1, runs: 2 },
          reruns: [],
          fixed: passed ? 1 : 0,
          verdict: passed ? 'passed: pass rate 50% (1/2) without → 100% (2/2) with; 1 of 1 observed failing runs pass with it' : 'rejected: no observed failing run passes with it',
          error: null,
          costUsd: 0.01,
        },
      });
    }
    return id;
  }

  it('an admin adopts a proposal whose calibration passed (Slack hears who approved it), dismisses one, reverts an adopted one', async () => {
    const good = await proposal({ calibration: 'passed' });
    const uncalibrated = await proposal({ title: 'Not calibrated' });
    const toDismiss = await proposal({ title: 'Maybe later', calibration: 'passed' });

    const listed = await as(ids.viewer).proposals({ orgId: ids.orgId, status: ['awaiting-approval'] });
    expect(listed.map((p) => p.id).sort()).toEqual([good, uncalibrated, toDismiss].sort());
    const shown = listed.find((p) => p.id === good)!;
    expect(shown.calibrations).toHaveLength(1);
    expect(shown.calibrations[0]).toMatchObject({ status: 'passed', baselinePassRate: 0.5, candidatePassRate: 1, baselinePassed: 1, candidatePassed: 2, fixed: 1 });
    expect(shown.afterText).toContain(GUIDANCE);

    expect(await errorCode(as(ids.viewer).adopt({ orgId: ids.orgId, proposalId: good }))).toBe('FORBIDDEN');
    expect(await errorCode(as(ids.stranger).adopt({ orgId: ids.otherOrg, proposalId: good }))).toBe('NOT_FOUND');
    expect(await as(ids.owner).adopt({ orgId: ids.orgId, proposalId: uncalibrated })).toEqual({ adopted: false, reason: 'its calibration has not run; only a proposal whose calibration passed is adopted' });
    expect(await boss.fetch(NOTIFY_JOB)).toEqual([]);

    expect(await as(ids.owner).adopt({ orgId: ids.orgId, proposalId: good })).toMatchObject({ adopted: true, ref: { promptPath: 'roles/developer.md', version: 1, previousVersion: null } });
    expect((await activePromptOverride(t.db, ids.orgId, 'roles/developer.md'))?.content).toContain(GUIDANCE);
    const [notice] = await boss.fetch<unknown>(NOTIFY_JOB);
    expect(notice).toBeTruthy();
    const payload = ZNotifyPayload.parse(notice!.data);
    expect(payload.notice).toMatchObject({ kind: 'improvement.adopted', title: 'Re-read a file before editing it', change: 'prompt roles/developer.md', adoptedBy: 'approved by Olga Owner' });
    await notifyJob.handler(payload, { db: t.db } as JobContext);
    const sent = slack.requests.filter((r) => r.body.includes('Improvement adopted'));
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('Re-read a file before editing it');
    expect(sent[0].body).toContain('approved by Olga Owner');
    expect(sent[0].body).toContain('50% (1/2) without → 100% (2/2) with');

    // Adopting twice does nothing more.
    expect(await as(ids.owner).adopt({ orgId: ids.orgId, proposalId: good })).toEqual({ adopted: false, reason: 'the proposal is adopted, not waiting for approval' });

    await as(ids.owner).dismiss({ orgId: ids.orgId, proposalId: toDismiss, reason: 'not now' });
    expect((await as(ids.viewer).proposals({ orgId: ids.orgId, status: ['dismissed'] })).map((p) => [p.id, p.statusReason])).toEqual([[toDismiss, 'not now']]);
    expect(await errorCode(as(ids.owner).dismiss({ orgId: ids.orgId, proposalId: toDismiss }))).toBe('CONFLICT');

    // Revert: the prompt is the built-in one again (a new version), the proposal says reverted.
    expect(await errorCode(as(ids.viewer).revert({ orgId: ids.orgId, proposalId: good }))).toBe('FORBIDDEN');
    expect(await as(ids.owner).revert({ orgId: ids.orgId, proposalId: good })).toEqual({ reverted: true });
    expect(await activePromptOverride(t.db, ids.orgId, 'roles/developer.md')).toBeNull();
    const versions = await t.db.selectFrom('prompt_overrides').select('version').where('org_id', '=', ids.orgId).orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect((await as(ids.viewer).proposals({ orgId: ids.orgId, status: ['reverted'] })).map((p) => p.id)).toEqual([good]);
    expect(await errorCode(as(ids.owner).revert({ orgId: ids.orgId, proposalId: good }))).toBe('CONFLICT');
  });
});
