import { learnPattern } from '../../server/services/learned-patterns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { appRouter } from '../../server/api/router';
import { createCallerFactory, type ProcedureMeta } from '../../server/api/trpc';
import type { Context } from '../../server/api/context';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { procedureInput, sampleFor } from '../support/zod-sample';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { setSecret } from '../../server/services/secrets';
import { createApiToken } from '../../server/services/api-tokens';
import { createInvitation } from '../../server/services/members';
import { createSpec, submitSpec } from '../../server/services/specs';
import { createRun } from '../../server/services/runs';
import { createPullRequestStore } from '../../server/services/pull-requests';
import { postChatMessage } from '../../server/services/chat';
import { createChannel } from '../../server/services/notification-channels';
import { createMcpServer } from '../../server/services/mcp-servers';
import { savePromptOverride, setDefaultModels, uploadSkill } from '../../server/services/agent-settings';
import { readBuiltInPrompt } from '../../server/prompts/org-overrides';
import { createReport, insertProposal } from '../../server/services/rsi';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Tenant isolation, for every procedure of the router — including ones added after this test:
 * a member of organisation B calls each procedure with organisation A's ids and must get
 * FORBIDDEN or NOT_FOUND, or an answer that carries none of A's data; A's rows must not change.
 */
const createCaller = createCallerFactory(appRouter);
type AnyProc = { _def: { inputs: unknown[]; meta?: ProcedureMeta; type: string } };

let t: TestDatabase;
const A: Record<string, string> = {};
const B: Record<string, string> = {};
const MARK = 'alpha-secret-marker';

async function snapshotOrgA() {
  const tables = ['projects', 'org_secrets', 'api_tokens', 'invitations', 'memberships', 'specs', 'runs', 'tasks', 'pull_requests', 'chat_messages', 'notification_channels', 'mcp_servers', 'org_skills', 'prompt_overrides', 'learned_patterns', 'learned_pattern_versions', 'rsi_reports', 'rsi_proposals'] as const;
  const rows = [];
  for (const table of tables) rows.push(await t.db.selectFrom(table as 'projects').selectAll().where('org_id', '=', A.orgId).execute());
  const org = await t.db.selectFrom('organizations').selectAll().where('id', '=', A.orgId).execute();
  return JSON.stringify([org, rows]);
}

beforeAll(async () => {
  t = await createTestDatabase('iso');
  const ua = await createUser(t.db, { name: 'Alice', email: 'alice@a.test', password: 'password-a1' });
  const ub = await createUser(t.db, { name: 'Bob', email: 'bob@b.test', password: 'password-b1' });
  const orgA = await createOrganization(t.db, { name: `Alpha ${MARK}`, ownerId: ua.id });
  const orgB = await createOrganization(t.db, { name: 'Beta', ownerId: ub.id });
  const scopeA = { orgId: orgA.id, userId: ua.id, role: 'owner' as const };
  const project = await createProject(t.db, scopeA, { name: `proj-${MARK}`, repository: `https://example.test/${MARK}.git` });
  const secret = await setSecret(t.db, scopeA, { name: 'ANTHROPIC_API_KEY', value: `sk-${MARK}` });
  const token = await createApiToken(t.db, scopeA, { name: `tok-${MARK}` });
  const inv = await createInvitation(t.db, scopeA, { email: 'carol@a.test', role: 'member' });
  // One of everything later capabilities added, so their procedures are probed with real ids of A.
  const good = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
  // The spec's title is its first # heading: the marker goes there so titles are checked too.
  const spec = await createSpec(t.db, scopeA, { projectId: project.id, title: `spec-${MARK}`, markdown: good.replace(/^# .*/, `# spec-${MARK}`) });
  await submitSpec(t.db, scopeA, { specId: spec.id });
  const { run } = await createRun(t.db, scopeA, { specId: spec.id, tasks: [{ id: 'T1', title: `task-${MARK}`, description: MARK, files: ['src/a.ts'], dependsOn: [] }] });
  const task = await t.db.selectFrom('tasks').select('id').where('run_id', '=', run.id).executeTakeFirstOrThrow();
  const now = new Date();
  await createPullRequestStore(t.db, { orgId: orgA.id, runId: run.id, taskId: task.id }).upsert({
    projectId: project.id, branch: `nightshift/${MARK}`, base: 'main', title: `pr-${MARK}`, body: MARK, draft: false, labels: [], provider: 'local', state: 'open', diff: MARK, createdAt: now, updatedAt: now,
  });
  const pr = await t.db.selectFrom('pull_requests').select('id').where('org_id', '=', orgA.id).executeTakeFirstOrThrow();
  await postChatMessage(t.db, scopeA, { runId: run.id, taskId: task.id, text: `chat-${MARK}` });
  const channel = await createChannel(t.db, scopeA, { kind: 'slack-webhook', name: `ch-${MARK}`, webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' } as never);
  const server = await createMcpServer(t.db, scopeA, { name: `mcp-${MARK}`, config: { transport: 'http', url: 'https://mcp.example.com/mcp' } as never });
  // Agent settings of A: B must neither read nor change them (models, uploaded skill, prompt).
  await setDefaultModels(t.db, scopeA, { models: { developer: 'openai:alpha-model' } });
  await uploadSkill(t.db, scopeA, { name: 'alpha-skill', manifest: `---\nname: alpha-skill\ndescription: Skill of ${MARK}.\n---\n${MARK}\n` });
  await savePromptOverride(t.db, scopeA, { path: 'roles/developer.md', content: `${readBuiltInPrompt('roles/developer.md')}\n${MARK}\n` });
  // A learned pattern of A's project (viability): B must neither list, edit nor revert it.
  const pattern = await learnPattern(t.db, {
    orgId: orgA.id, projectId: project.id, key: `finding:${MARK}`, source: 'review', rule: null, title: `pattern-${MARK}`, severity: 'high',
    doNot: MARK, instead: MARK, example: { file: 'src/a.ts', line: 1, snippet: MARK }, sourceRuns: [run.id],
  });
  // A self-improvement report and a proposal waiting for approval: B must neither see nor adopt it.
  const report = await createReport(t.db, { orgId: orgA.id, trigger: 'manual', since: new Date(0), status: 'running' });
  const proposal = await insertProposal(t.db, {
    orgId: orgA.id, reportId: report, kind: 'prompt', target: 'roles/developer.md', title: `proposal-${MARK}`, rationale: MARK, observationIds: [], edits: [],
    baseVersion: null, beforeText: MARK, afterText: MARK, challenge: null, projectId: null, status: 'awaiting-approval', statusReason: null, model: null,
  });
  Object.assign(A, {
    reportId: report, proposalId: proposal,
    orgId: orgA.id, slug: orgA.slug, userId: ua.id, projectId: project.id, secretId: secret.id,
    tokenId: token.id, invitationId: inv.id, token: inv.token, apiToken: token.token,
    patternId: pattern.id, specId: spec.id, runId: run.id, taskId: task.id, pullRequestId: pr.id, channelId: channel.id, serverId: (server as { id: string }).id,
    // A prompt path A overrode: B's reads of it must show B's (built-in) text, never A's.
    path: 'roles/developer.md',
  });
  Object.assign(B, { orgId: orgB.id, userId: ub.id });
});

afterAll(async () => {
  await t?.close();
});

function procedures(): Array<[string, AnyProc]> {
  return Object.entries((appRouter as unknown as { _def: { procedures: Record<string, AnyProc> } })._def.procedures);
}

async function call(ctx: Context, path: string, input: unknown): Promise<{ ok: true; data: unknown } | { ok: false; code: string }> {
  let fn: any = createCaller(ctx);
  for (const seg of path.split('.')) fn = fn[seg];
  try {
    return { ok: true, data: await fn(input) };
  } catch (err) {
    if (err instanceof TRPCError) return { ok: false, code: err.code };
    throw err;
  }
}

function leaksA(data: unknown): string[] {
  const text = JSON.stringify(data ?? null);
  const secretValues = [A.reportId, A.proposalId, A.patternId, A.orgId, A.projectId, A.secretId, A.tokenId, A.invitationId, A.apiToken, A.specId, A.runId, A.taskId, A.pullRequestId, A.channelId, A.serverId, MARK];
  return secretValues.filter((v) => text.includes(v));
}

describe('tenant isolation over the whole tRPC router', () => {
  it('finds the procedures and every one declares its scope', () => {
    const procs = procedures();
    expect(procs.length).toBeGreaterThan(15);
    for (const [path, p] of procs) expect(p._def.meta?.scope, `${path} has no scope meta`).toMatch(/^(org|user|public)$/);
  });

  it('a member of B cannot read or change A through any procedure', async () => {
    const before = await snapshotOrgA();
    const ctxB: Context = { db: t.db, userId: B.userId, apiToken: null, ip: '127.0.0.1' };
    const checked: string[] = [];
    for (const [path, proc] of procedures()) {
      const schema = procedureInput(proc);
      const scope = proc._def.meta!.scope;
      const idsOfA = { ...A, userId: A.userId, slug: A.slug };
      if (scope === 'org') {
        // 1. A's organisation id directly.
        const asA = schema ? sampleFor(schema, idsOfA) : undefined;
        const r1 = await call(ctxB, path, asA);
        expect(r1.ok, `${path} with A's orgId answered`).toBe(false);
        if (!r1.ok) expect(['FORBIDDEN', 'NOT_FOUND'], `${path}: ${r1.code}`).toContain(r1.code);
        // 2. B's own organisation, with A's object ids.
        const mixed = schema ? sampleFor(schema, { ...idsOfA, orgId: B.orgId }) : undefined;
        const r2 = await call(ctxB, path, mixed);
        if (r2.ok) expect(leaksA(r2.data), `${path} leaked A's data`).toEqual([]);
        else expect(['FORBIDDEN', 'NOT_FOUND', 'BAD_REQUEST', 'CONFLICT'], `${path}: ${r2.code}`).toContain(r2.code);
      } else {
        const input = schema ? sampleFor(schema, { slug: A.slug }) : undefined;
        const r = await call(ctxB, path, input);
        if (r.ok) expect(leaksA(r.data), `${path} leaked A's data`).toEqual([]);
      }
      checked.push(path);
    }
    expect(checked.length).toBe(procedures().length);
    expect(await snapshotOrgA()).toBe(before);
  });

  it("an API token of A opens only A", async () => {
    const ctx: Context = { db: t.db, userId: null, apiToken: { orgId: A.orgId, tokenId: A.tokenId }, ip: null };
    const own = await call(ctx, 'project.list', { orgId: A.orgId });
    expect(own.ok).toBe(true);
    const other = await call(ctx, 'project.list', { orgId: B.orgId });
    expect(other).toEqual({ ok: false, code: 'FORBIDDEN' });
  });

  it('an anonymous caller gets UNAUTHORIZED from every org and user procedure', async () => {
    const anon: Context = { db: t.db, userId: null, apiToken: null, ip: null };
    for (const [path, proc] of procedures()) {
      const scope = proc._def.meta!.scope;
      if (scope === 'public') continue;
      const schema = procedureInput(proc);
      const r = await call(anon, path, schema ? sampleFor(schema, A) : undefined);
      expect(r, path).toEqual({ ok: false, code: 'UNAUTHORIZED' });
    }
  });
});
