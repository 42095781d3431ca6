/**
 * Recordings in the database: written through the sink a task's recording uses, read back whole
 * and page by page, scoped to the organisation that owns the run, pruned by the organisation's
 * retention setting (default 30 days).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createTaskRecording } from '../recording/recorder';
import type { StreamPart } from '../llm';
import type { Sandbox } from '../../sandbox/types';
import { addCliPlan, cliProject, cliRunTasks, createCliRun } from './cli-runs';
import { createOrganization } from './orgs';
import { createUser } from './users';
import { dbPlanRecordingSink, dbRecordingSink, DEFAULT_RECORDING_RETENTION_DAYS, getRecordingRetention, listRunRecordings, loadPlanRecording, loadTaskRecording, pruneRecordings, readRecordingEntries, setRecordingRetention } from './recordings';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('recsvc');
});
afterAll(async () => t?.close());

async function orgWithTask(label: string) {
  const user = await createUser(t.db, { name: label, email: `${label}-${Date.now()}@example.test`, password: 'password-123' });
  const org = await createOrganization(t.db, { name: label, ownerId: user.id });
  const project = await cliProject(t.db, { orgId: org.id, repoPath: `/srv/${label}`, defaultBranch: 'main' });
  const ids = await createCliRun(t.db, { orgId: org.id, projectId: project.id, markdown: '# x', score: 80, findings: [], model: 'openai:fake', baseBranch: 'main', owner: 'test' });
  await addCliPlan(t.db, { orgId: org.id, runId: ids.runId, waves: [['T1']], tasks: [{ id: 'T1', title: 'Task', description: 'Do it', files: [], dependsOn: [], wave: 0 }] });
  const [task] = await cliRunTasks(t.db, ids.runId);
  return { org, scope: { orgId: org.id, userId: user.id, role: 'owner' as const }, runId: ids.runId, taskId: task.id };
}

const model = (parts: StreamPart[]) => ({
  provider: 'openai' as const,
  modelId: 'fake',
  capabilities: { nativeTools: true, reasoning: false, promptCaching: false },
  async *stream() {
    for (const p of parts) yield p;
  },
});

const sandbox: Sandbox = {
  driver: 'none',
  isolated: false,
  workdir: '/w',
  start: async () => undefined,
  stop: async () => undefined,
  exec: async (cmd) => ({ exitCode: 0, stdout: `ran ${cmd.join(' ')} with hunter2-secret-value\n`, stderr: '', timedOut: false, oom: false, durationMs: 12 }),
};

async function record(o: Awaited<ReturnType<typeof orgWithTask>>) {
  const rec = createTaskRecording({ secrets: ['hunter2-secret-value'], sinks: [dbRecordingSink(t.db, { orgId: o.org.id, runId: o.runId, taskId: o.taskId })] });
  await rec.begin({ runId: o.runId, taskId: o.taskId, taskKey: 'T1', title: 'Task', description: 'Do it', criteria: ['works'], mode: 'agent', model: 'openai:fake', baseCommit: 'a'.repeat(40), baseTree: 'b'.repeat(40) });
  const m = rec.model(model([{ type: 'text-delta', id: 't', delta: 'hello hunter2-secret-value' }, { type: 'usage', inputTokens: 10, outputTokens: 2 }, { type: 'finish', reason: 'stop' }]), { role: 'developer', cycle: 1, modelName: 'openai:fake' });
  for await (const _ of m.stream({ system: 'You are a developer.', messages: [{ role: 'user', content: 'Do it' }] })) void _;
  await rec.sandbox(sandbox, { role: 'developer', cycle: 1 }).exec(['sh', '-c', 'npm test']);
  await rec.checkpoint({ seq: 1, commit: 'c'.repeat(40), label: 'turn 1' });
  await rec.end({ status: 'done', commit: 'c'.repeat(40), tree: 'd'.repeat(40) });
  return rec;
}

describe('recordings in the database', () => {
  it('stores every record in order, redacted, and reads it back whole and page by page', async () => {
    const o = await orgWithTask('acme');
    const rec = await record(o);
    const loaded = await loadTaskRecording(t.db, { orgId: o.org.id, taskId: o.taskId });
    expect(loaded!.entries).toEqual(rec.entries);
    expect(loaded!.entries.map((e) => e.kind)).toEqual(['model', 'command', 'checkpoint']);
    expect(loaded!.ending).toMatchObject({ status: 'done', tree: 'd'.repeat(40), modelCalls: 1, records: 3 });
    expect([...loaded!.blobs.values()]).toContain('You are a developer.');
    expect(JSON.stringify(loaded)).not.toContain('hunter2-secret-value');
    expect(JSON.stringify(loaded)).toContain('ran sh -c npm test with [redacted]');

    const list = await listRunRecordings(t.db, o.scope, o.runId);
    expect(list).toEqual([expect.objectContaining({ taskId: o.taskId, key: 'T1', records: 3, modelCalls: 1, status: 'done', model: 'openai:fake' })]);
    const page1 = await readRecordingEntries(t.db, o.scope, { runId: o.runId, taskId: o.taskId, limit: 2 });
    expect(page1.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(page1.more).toBe(true);
    const page2 = await readRecordingEntries(t.db, o.scope, { runId: o.runId, taskId: o.taskId, afterSeq: 2 });
    expect(page2.entries.map((e) => e.seq)).toEqual([3]);
    expect(page2.more).toBe(false);
  });

  it("another organisation reads nothing of it", async () => {
    const a = await orgWithTask('alpha');
    const b = await orgWithTask('beta');
    await record(a);
    await expect(listRunRecordings(t.db, b.scope, a.runId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readRecordingEntries(t.db, b.scope, { runId: a.runId, taskId: a.taskId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await loadTaskRecording(t.db, { orgId: b.org.id, taskId: a.taskId })).toBeNull();
  });

  it("is pruned after the organisation's retention (default 30 days)", async () => {
    const o = await orgWithTask('keeper');
    await record(o);
    expect(await getRecordingRetention(t.db, o.scope)).toEqual({ days: DEFAULT_RECORDING_RETENTION_DAYS, isDefault: true });
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
    expect(await pruneRecordings(t.db, { orgId: o.org.id, now: inDays(29) })).toBe(0);
    await setRecordingRetention(t.db, o.scope, { days: 90 });
    expect(await pruneRecordings(t.db, { orgId: o.org.id, now: inDays(31) })).toBe(0);
    await expect(setRecordingRetention(t.db, o.scope, { days: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(setRecordingRetention(t.db, { ...o.scope, role: 'member' }, { days: 5 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await pruneRecordings(t.db, { now: inDays(91) })).toBeGreaterThanOrEqual(1);
    expect(await loadTaskRecording(t.db, { orgId: o.org.id, taskId: o.taskId })).toBeNull();
    expect(await t.db.selectFrom('recording_entries').select('seq').where('task_id', '=', o.taskId).execute()).toEqual([]);
    expect(await t.db.selectFrom('recording_blobs').select('hash').where('task_id', '=', o.taskId).execute()).toEqual([]);
  });

  it("keeps the planner's recording apart: opened before its run exists, tied to the run, redacted, scoped, pruned by the same rule", async () => {
    const o = await orgWithTask('planner');
    const other = await orgWithTask('planner-other');
    const sink = dbPlanRecordingSink(t.db, { orgId: o.org.id });
    const rec = createTaskRecording({ secrets: ['hunter2-secret-value'], sinks: [sink] });
    await rec.begin({ runId: '', taskId: 'plan-x', taskKey: 'plan', title: 'Plan the specification', description: '# spec', criteria: [], mode: 'pipeline', model: 'openai:fake', baseCommit: 'a'.repeat(40), baseTree: 'b'.repeat(40) });
    const m = rec.model(model([{ type: 'text-delta', id: 't', delta: 'plan with hunter2-secret-value' }, { type: 'finish', reason: 'stop' }]), { role: 'planner', cycle: 1, modelName: 'openai:fake' });
    for await (const _ of m.stream({ system: 'You are the planner.', messages: [{ role: 'user', content: 'Plan it' }] })) void _;
    rec.agentEvent('planner', 1, { type: 'tool-call', turn: 1, call: { id: 'c1', name: 'submit_plan', args: { tasks: [] } } } as never);
    rec.agentEvent('planner', 1, { type: 'tool-result', turn: 1, callId: 'c1', toolName: 'submit_plan', output: 'accepted', isError: false } as never);
    // Not tied to a run yet: no run reads it.
    await rec.flush();
    expect(await loadPlanRecording(t.db, { orgId: o.org.id, runId: o.runId })).toBeNull();
    await sink.attachRun(o.runId);
    await rec.end({ status: 'planned', commit: null, tree: null });

    const plan = await loadPlanRecording(t.db, { orgId: o.org.id, runId: o.runId });
    expect(plan!.header).toMatchObject({ taskKey: 'plan', runId: o.runId, model: 'openai:fake' });
    expect(plan!.entries).toEqual(rec.entries);
    expect(plan!.entries.map((e) => e.kind)).toEqual(['model', 'tool']);
    expect([...plan!.blobs.values()]).toContain('You are the planner.');
    expect(plan!.ending).toMatchObject({ status: 'planned', modelCalls: 1, records: 2 });
    expect(JSON.stringify(await t.db.selectFrom('plan_recordings').selectAll().execute())).not.toContain('hunter2-secret-value');
    expect(await loadPlanRecording(t.db, { orgId: other.org.id, runId: o.runId })).toBeNull();

    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
    await pruneRecordings(t.db, { orgId: o.org.id, now: inDays(29) });
    expect(await loadPlanRecording(t.db, { orgId: o.org.id, runId: o.runId })).not.toBeNull();
    await pruneRecordings(t.db, { orgId: o.org.id, now: inDays(31) });
    expect(await loadPlanRecording(t.db, { orgId: o.org.id, runId: o.runId })).toBeNull();
  });
});
