/**
 * The proposal kinds besides prompt patches, through one scheduled cycle (the rsi-schedule tick and
 * the rsi-cycle job on pg-boss, with the organisation's settings: its reporter model, its key and
 * base URL pointing at the fake LLM server, automatic adoption on), a real Postgres and the bwrap
 * sandbox:
 * a documentation spec waits for a person, and adopting it makes a draft spec in the project of the
 * failing runs (revert deletes it); an eval challenge whose verify fails on its files as given is
 * kept (adopted: it joins the organisation's challenge suite; reverted: it leaves it), one whose
 * verify passes is rejected; a skill patch that does not apply is rejected with the reason. The
 * challenge is adopted by the gate on its own and the chat is told through the notify queue; the
 * documentation spec still waits for a person.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import type PgBoss from 'pg-boss';
import { createBoss } from '../../jobs/boss';
import type { JobContext } from '../../jobs/definition';
import { NOTIFY_JOB, ZNotifyPayload } from '../../jobs/notify';
import { createRsiCycleJob, RSI_CYCLE_JOB, RSI_SCHEDULE_JOB, rsiScheduleJob, ZRsiCycleJob } from '../../jobs/rsi';
import { createPublisher } from '../realtime/publish';
import { setRsiSettings } from '../services/rsi';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { createRun } from '../services/runs';
import { setSecret } from '../services/secrets';
import { createSpec, submitSpec } from '../services/specs';
import { createUser } from '../services/users';
import { loadSkillLibrary } from '../skills/library';
import { adoptProposal, revertProposal } from './adopt';
import { challengeSuite } from './cycle';
import fs from 'node:fs';

const ROOT = resolve(__dirname, '../..');
const NOT_CONVERGED = 'QA and review did not converge after 3 cycles';
const PKG = JSON.stringify({ name: 'c', version: '1.0.0', private: true, type: 'module' });
const DOC = '# Document how the cart count is computed\n\nSay in docs/cart.md that the badge counts items, not lines.\n';

describe.skipIf(!bwrapAvailable())('proposal kinds: documentation specs, eval challenges, skill patches (fake LLM, bwrap, real Postgres)', () => {
  let t: TestDatabase;
  let boss: PgBoss;
  let llm: FakeLlm;
  let root: string;
  const ids: Record<string, string> = {};
  const skill = [...loadSkillLibrary().skills.keys()][0];

  const challenge = (verify: string) => ({
    title: 'Count items, not lines',
    prompt: 'count(cart) in src/count.js must add up the quantities.',
    verify,
    files: [
      { path: 'package.json', content: PKG },
      { path: 'src/count.js', content: 'export const count = (cart) => cart.length;\n' },
    ],
    hidden: [{ path: 'test/count.test.js', content: "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { count } from '../src/count.js';\ntest('sums', () => assert.equal(count([{ qty: 2 }, { qty: 3 }]), 5));\n" }],
  });
  const plan: Array<Record<string, unknown>> = [
    { kind: 'doc', target: 'Document the cart count', title: 'Document the cart count', rationale: 'tasks keep misreading what the badge counts', document: DOC },
    { kind: 'eval-challenge', target: 'cart-count', title: 'Capture the miscount', rationale: 'the failure as a test', challenge: challenge('node --test test/') },
    { kind: 'eval-challenge', target: 'always-passes', title: 'A test that captures nothing', rationale: 'x', challenge: challenge('true') },
    { kind: 'skill', target: skill, title: 'Edit a line that is not there', rationale: 'x', edits: [{ search: 'this text is not in the skill', replace: 'y' }] },
  ];

  beforeAll(async () => {
    t = await createTestDatabase('rsikinds');
    root = mkdtempSync(join(tmpdir(), 'ns-rsikinds-'));
    mkdirSync(join(root, 'data'));
    llm = await startFakeLlm({
      script: (body: Record<string, unknown>): Turn => {
        const step = ((body.messages ?? []) as Array<{ role: string }>).filter((m) => m.role === 'assistant').length;
        if (step === 0) return { toolCalls: [{ name: 'read_file', args: { path: 'observations.md' } }] };
        const next = plan[step - 1];
        if (!next) return { toolCalls: [{ name: 'finish', args: { summary: 'done' } }] };
        return { toolCalls: [{ name: 'propose_improvement', args: { ...next, observations: ['O1'] } }] };
      },
    });
    const owner = await createUser(t.db, { name: 'Owner', email: 'o@kinds.test', password: 'password-123' });
    const org = await createOrganization(t.db, { name: 'Kinds Inc', ownerId: owner.id });
    const scope = { orgId: org.id, userId: owner.id, role: 'owner' as const };
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-kinds' });
    await setSecret(t.db, scope, { name: 'OPENAI_BASE_URL', value: `${llm.url}/v1` });
    await setRsiSettings(t.db, scope, { model: 'openai:gpt-4o-mini', autoAdopt: true, maxProposals: 4 });
    boss = createBoss(t.url);
    await boss.start();
    for (const q of [RSI_SCHEDULE_JOB, RSI_CYCLE_JOB, NOTIFY_JOB]) await boss.createQueue(q, { name: q });
    const project = await createProject(t.db, scope, { name: 'shop', repository: 'https://example.test/shop.git' });
    const spec = await createSpec(t.db, scope, { projectId: project.id, title: 'Cart badge', markdown: fs.readFileSync(join(ROOT, 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8') });
    await submitSpec(t.db, scope, { specId: spec.id });
    for (let i = 0; i < 2; i++) {
      const { run } = await createRun(t.db, scope, { specId: spec.id, tasks: [{ id: 'T1', title: 'Show the count', description: 'x', files: ['src/a.ts'], dependsOn: [] }] });
      // What the executor leaves behind when QA and review never agree (test setup of the outcome).
      await t.db.updateTable('tasks').set({ status: 'failed', error: NOT_CONVERGED }).where('run_id', '=', run.id).execute();
      await t.db.updateTable('runs').set({ status: 'failed', error: 'a task failed' }).where('id', '=', run.id).execute();
    }
    Object.assign(ids, { owner: owner.id, orgId: org.id, projectId: project.id });
  });

  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await llm?.close();
    await t?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function proposalsOf(reportId: string) {
    const rows = await t.db.selectFrom('rsi_proposals').select(['id', 'kind', 'target', 'status', 'status_reason', 'observation_ids']).where('report_id', '=', reportId).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, target: r.target, status: r.status, reason: r.status_reason, observations: r.observation_ids }));
  }

  it('keeps what is sound for a person to adopt, rejects the rest with the reason; adoption and revert do what they say', async () => {
    const scope = { orgId: ids.orgId, userId: ids.owner, role: 'owner' as const };
    const ctx: JobContext = { db: t.db, boss, publish: createPublisher(t.db, t.pool), workerId: 'test-worker', connectionString: t.url };
    const tick = (await rsiScheduleJob.handler({}, ctx)) as { queued: string[] };
    expect(tick.queued).toHaveLength(1);
    const [job] = await boss.fetch<unknown>(RSI_CYCLE_JOB);
    const out = await createRsiCycleJob({ dataDir: join(root, 'data'), driver: 'bwrap' }).handler(ZRsiCycleJob.parse(job!.data), ctx);
    await boss.complete(RSI_CYCLE_JOB, job!.id);
    expect(out).toMatchObject({ reportId: tick.queued[0], observations: 1 });
    const report = await t.db.selectFrom('rsi_reports').select(['status', 'model', 'proposals']).where('id', '=', tick.queued[0]).executeTakeFirstOrThrow();
    expect(report).toEqual({ status: 'finished', model: 'openai:gpt-4o-mini', proposals: 4 });
    const summary = { observations: await t.db.selectFrom('rsi_observations').select('id').where('report_id', '=', tick.queued[0]).execute(), proposals: await proposalsOf(tick.queued[0]) };
    expect(summary.observations).toHaveLength(1);
    expect(summary.proposals.map((p) => [p.kind, p.target, p.status, p.reason])).toEqual([
      ['doc', 'Document the cart count', 'awaiting-approval', 'a documentation spec is made only when a person approves it'],
      // Adopted by the gate on its own (automatic adoption is on).
      ['eval-challenge', 'cart-count', 'adopted', null],
      ['eval-challenge', 'always-passes', 'rejected', 'its verify passes on the repository as given, so it captures no failure'],
      ['skill', skill, 'rejected', expect.stringMatching(new RegExp(`^the patch does not apply to skill ${skill}: `))],
    ]);
    for (const p of summary.proposals) expect(p.observations).toEqual([summary.observations[0].id]);
    const [doc, good] = summary.proposals;
    expect((out as { adopted: string[] }).adopted).toEqual([good.id]);
    // The chat is told through the notify queue.
    const [notice] = await boss.fetch<unknown>(NOTIFY_JOB);
    expect(ZNotifyPayload.parse(notice!.data).notice).toMatchObject({ kind: 'improvement.adopted', title: 'Capture the miscount', change: 'eval challenge cart-count', adoptedBy: 'the calibration gate (automatic adoption)' });
    expect(await boss.fetch(NOTIFY_JOB)).toEqual([]);

    // The documentation spec: a draft in the project of the failing runs; revert deletes it.
    const adoptedDoc = await adoptProposal(t.db, scope, { proposalId: doc.id });
    expect(adoptedDoc).toMatchObject({ adopted: true, ref: { projectId: ids.projectId } });
    if (!adoptedDoc.adopted) throw new Error(adoptedDoc.reason);
    const specId = String(adoptedDoc.ref.specId);
    const spec = await t.db.selectFrom('specs').select(['title', 'markdown', 'status', 'project_id']).where('id', '=', specId).executeTakeFirstOrThrow();
    // A spec's title is its heading.
    expect(spec).toEqual({ title: 'Document how the cart count is computed', markdown: DOC, status: 'draft', project_id: ids.projectId });
    expect(await revertProposal(t.db, scope, { proposalId: doc.id })).toEqual({ reverted: true });
    expect(await t.db.selectFrom('specs').select('id').where('id', '=', specId).executeTakeFirst()).toBeUndefined();

    // The challenge is in the organisation's challenge suite, and leaves it when reverted.
    const suite = await challengeSuite(t.db, ids.orgId, join(root, 'data'));
    expect(suite.tasks.map((x) => [x.id, x.verify])).toEqual([['cart-count', 'node --test test/']]);
    expect(await revertProposal(t.db, scope, { proposalId: good.id })).toEqual({ reverted: true });
    await expect(challengeSuite(t.db, ids.orgId, join(root, 'data'))).rejects.toThrow('the organisation has no adopted eval challenges yet');
  }, 180_000);
});
