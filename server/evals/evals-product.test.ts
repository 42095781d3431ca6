/**
 * Evals in the product: an eval started from the Evals page (tRPC `evals.start`) is queued as a
 * pg-boss job; the job runs the suite through the executor with the organisation's provider
 * settings (the fake LLM server as its OpenAI base URL), stores the result, flags the regression
 * against the previous run of the suite and queues a Slack notice naming the regressed task,
 * which the notify job delivers. The page's procedures list and compare the runs, within the
 * organisation only.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { developerScript, twoTaskSuite } from '../../test/support/eval-fixtures';
import { errorCode, userContext } from '../../test/support/trpc';
import { createBoss } from '../../jobs/boss';
import type { JobContext } from '../../jobs/definition';
import { createEvalRunJob, EVAL_RUN_JOB, ZEvalRunJob } from '../../jobs/eval-run';
import { NOTIFY_JOB, notifyJob, ZNotifyPayload } from '../../jobs/notify';
import { createCallerFactory } from '../api/trpc';
import { evalsRouter } from '../api/routers/evals';
import { createChannel } from '../services/notification-channels';
import { startLocalReceiver, type LocalReceiver } from '../notify/testing/local-receiver';
import { createPublisher } from '../realtime/publish';
import { createOrganization } from '../services/orgs';
import { setSecret } from '../services/secrets';
import { createUser } from '../services/users';
import { runCli } from '../../test/support/cli';

const skip = !bwrapAvailable() || detectCgroups().version === 0;
const createCaller = createCallerFactory(evalsRouter);

describe.skipIf(skip)('evals in the product (real Postgres, pg-boss, bwrap, fake LLM, local Slack)', () => {
  let t: TestDatabase;
  let boss: PgBoss;
  let llm: FakeLlm | undefined;
  let slack: LocalReceiver;
  let root: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase('evalprod');
    root = mkdtempSync(join(tmpdir(), 'ns-evalprod-'));
    mkdirSync(join(root, 'data'));
    twoTaskSuite(join(root, 'suite'));
    boss = createBoss(t.url);
    await boss.start();
    for (const q of [EVAL_RUN_JOB, NOTIFY_JOB]) await boss.createQueue(q, { name: q });
    slack = await startLocalReceiver(() => ({ status: 200, body: 'ok' }));

    const owner = await createUser(t.db, { name: 'Owner', email: 'o@evals.test', password: 'password-123' });
    const viewer = await createUser(t.db, { name: 'Viewer', email: 'v@evals.test', password: 'password-123' });
    const stranger = await createUser(t.db, { name: 'Other', email: 'x@evals.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Evals Inc', ownerId: owner.id });
    const other = await createOrganization(t.db, { name: 'Other Org', ownerId: stranger.id });
    await t.db.insertInto('memberships').values({ org_id: org.id, user_id: viewer.id, role: 'viewer' }).execute();
    const scope = { orgId: org.id, userId: owner.id, role: 'owner' as const };
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-org-eval-key' });
    await createChannel(t.db, scope, { kind: 'slack-webhook', name: 'evals', webhookUrl: `${slack.url}/services/T1/B1/evalsecret` });
    Object.assign(ids, { owner: owner.id, viewer: viewer.id, stranger: stranger.id, orgId: org.id, otherOrg: other.id });
  });

  afterAll(async () => {
    await llm?.close();
    await slack?.close();
    await boss?.stop({ graceful: false, wait: true });
    await t?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A signed-in person's tRPC context, with the job queue as the web server passes it. */
  const as = (userId: string) => ({ ...userContext(t.db, userId), boss });

  /** What a worker does with the next eval-run job: the suite under test instead of the built-in one. */
  async function workOneEvalJob(clampRight: boolean) {
    await llm?.close();
    llm = await startFakeLlm({ script: developerScript({ clampRight }) });
    await setSecret(t.db, { orgId: ids.orgId!, userId: ids.owner!, role: 'owner' }, { name: 'OPENAI_BASE_URL', value: `${llm.url}/v1` });
    const [job] = await boss.fetch<unknown>(EVAL_RUN_JOB);
    expect(job, 'an eval-run job is queued').toBeDefined();
    const ctx: JobContext = { db: t.db, boss, publish: createPublisher(t.db, t.pool), workerId: 'test-worker', connectionString: t.url };
    const job15 = createEvalRunJob({ suiteDir: join(root, 'suite'), dataDir: join(root, 'data'), driver: 'bwrap' });
    const out = await job15.handler(ZEvalRunJob.parse(job!.data), ctx);
    await boss.complete(EVAL_RUN_JOB, job!.id);
    return out as { passRate?: number; regressions?: string[]; error?: string };
  }

  it('starts from the page, runs as a job, flags the regression, tells Slack, and compares side by side', async () => {
    const api = createCaller(as(ids.owner!));
    const orgId = ids.orgId!;

    // A viewer cannot start one; a bad model name is refused before anything is stored.
    expect(await errorCode(createCaller(as(ids.viewer!)).start({ orgId, model: 'openai:gpt-4o-mini' }))).toBe('FORBIDDEN');
    expect(await errorCode(api.start({ orgId, model: 'gpt-4o-mini' }))).toBe('BAD_REQUEST');
    expect(await t.db.selectFrom('eval_runs').select('id').execute()).toHaveLength(0);

    const suites = await api.suites({ orgId });
    expect(suites[0].tasks.length).toBeGreaterThanOrEqual(12);

    // ---- the first eval: both tasks solved ----
    const first = await api.start({ orgId, model: 'openai:gpt-4o-mini' });
    const queued = await t.db.selectFrom('eval_runs').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(queued).toMatchObject({ status: 'queued', runner: 'server', started_by: ids.owner, mode: 'agent', repeat: 1 });
    expect(queued.job_id).toBeTruthy();
    expect(await workOneEvalJob(true)).toEqual({ passRate: 1, regressions: [] });
    // No regression, no notice.
    expect(await boss.fetch(NOTIFY_JOB)).toEqual([]);

    // ---- the second: clamp solved wrongly → regression, stored and told ----
    const second = await api.start({ orgId, model: 'openai:gpt-4o-mini' });
    expect(await workOneEvalJob(false)).toEqual({ passRate: 0.5, regressions: ['clamp'] });
    const [notify] = await boss.fetch<unknown>(NOTIFY_JOB);
    const payload = ZNotifyPayload.parse(notify!.data);
    expect(payload.notice).toMatchObject({ kind: 'eval.regressed', model: 'openai:gpt-4o-mini', mode: 'agent', passRate: 0.5, previousPassRate: 1, regressions: ['clamp'] });
    expect((payload.notice as { url?: string }).url).toMatch(new RegExp(`/o/evals-inc/evals\\?run=${second.id}$`));
    await notifyJob.handler(payload, { db: t.db } as JobContext);
    expect(slack.requests).toHaveLength(1);
    const body = JSON.parse(slack.requests[0]!.body);
    expect(body.text).toBe('Eval regression in acceptance-two with openai:gpt-4o-mini: 1 task(s) no longer pass');
    expect(JSON.stringify(body.blocks)).toContain('`clamp`');
    expect(JSON.stringify(body.blocks)).toContain('Pass rate *50%* (previous run 100%)');

    // ---- the page: newest first, the regression flagged, side by side per task ----
    const list = await api.list({ orgId });
    expect(list.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(list[0]).toMatchObject({ status: 'finished', passRate: 0.5, passed: 1, runs: 2, total: 2, done: 2, regressions: ['clamp'], comparedTo: first.id, model: 'openai:gpt-4o-mini' });
    expect(list[1]).toMatchObject({ status: 'finished', passRate: 1, regressions: [], comparedTo: null });
    expect(list[0].promptVersion).toMatch(/^[0-9a-f]{8}$/);
    expect(list[0].promptVersion).toBe(list[1].promptVersion);
    expect(list[0].costUsd).toBeGreaterThan(0);
    expect(list[0].inputTokens).toBeGreaterThan(0);
    const detail = await api.detail({ orgId, evalRunIds: [first.id, second.id] });
    expect(detail.map((d) => d.tasks.map((x) => `${x.id}:${x.status}`))).toEqual([
      ['add:passed', 'clamp:passed'],
      ['add:passed', 'clamp:failed'],
    ]);
    expect(Object.keys(detail[0].promptVersions)).toContain('role.developer');
    for (const d of detail) for (const x of d.tasks) expect(x).toMatchObject({ turns: 6, runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // Each attempt ran as a run of the organisation.
    const runIds = detail.flatMap((d) => d.tasks.map((x) => x.runId!));
    const runs = await t.db.selectFrom('runs').select(['org_id']).where('id', 'in', runIds).execute();
    expect(runs).toHaveLength(4);
    expect(new Set(runs.map((r) => r.org_id))).toEqual(new Set([orgId]));
    // The organisation's key reached the model; nothing of it is stored in a result.
    expect(llm!.received.every((r) => r.headers.authorization === 'Bearer sk-org-eval-key')).toBe(true);
    expect(JSON.stringify(await t.db.selectFrom('eval_results').selectAll().execute())).not.toContain('sk-org-eval-key');
    // Each attempt is recorded (a server run like any other), and the key is in no record.
    const recordedTasks = await t.db.selectFrom('task_recordings').select(['run_id', 'org_id']).where('run_id', 'in', runIds).execute();
    expect(recordedTasks.map((r) => r.run_id).sort()).toEqual([...runIds].sort());
    expect(new Set(recordedTasks.map((r) => r.org_id))).toEqual(new Set([orgId]));
    const records = JSON.stringify([await t.db.selectFrom('recording_entries').select('data').execute(), await t.db.selectFrom('recording_blobs').select('text').execute()]);
    expect(records).toContain('src/clamp.js');
    expect(records).not.toContain('sk-org-eval-key');

    // ---- the regressed attempt of this server run replays from the command line, no model contacted ----
    await llm!.close();
    llm = undefined;
    const regressed = detail[1].tasks.find((x) => x.id === 'clamp')!;
    const replay = await runCli(['replay', '--run', regressed.runId!], { DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: join(root, 'data'), SANDBOX_DRIVER: 'bwrap' });
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout.trim().split('\n').at(-1)!)).toMatchObject({ runId: regressed.runId, matched: 1, replayed: 1, tasks: [{ key: 'T1', status: 'matched', modelCalls: 6, recordedModelCalls: 6 }] });

    // ---- another organisation sees none of it ----
    const stranger = createCaller(as(ids.stranger!));
    expect(await stranger.list({ orgId: ids.otherOrg! })).toEqual([]);
    expect(await errorCode(stranger.detail({ orgId: ids.otherOrg!, evalRunIds: [second.id] }))).toBe('NOT_FOUND');
    expect(await errorCode(stranger.list({ orgId }))).toBe('FORBIDDEN');
  }, 300_000);
});
