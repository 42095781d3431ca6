import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { appRouter } from '../../server/api/router';
import { createCallerFactory } from '../../server/api/trpc';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { scoreSpec } from '../../server/specs/score';
import { errorCode } from '../support/trpc';

const fixture = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/specs', name), 'utf8');
const createCaller = createCallerFactory(appRouter);

let t: TestDatabase;
let owner: ReturnType<typeof createCaller>;
let viewer: ReturnType<typeof createCaller>;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestDatabase('specrun');
  const u = await createUser(t.db, { name: 'Owner', email: 'owner@spec.test', password: 'password-123' });
  const v = await createUser(t.db, { name: 'Viewer', email: 'viewer@spec.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Specs Inc', ownerId: u.id });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: v.id, role: 'viewer' }).execute();
  orgId = org.id;
  projectId = (await createProject(t.db, { orgId, userId: u.id, role: 'owner' }, { name: 'app', repository: 'https://example.test/app.git' })).id;
  owner = createCaller({ db: t.db, userId: u.id, apiToken: null, ip: null });
  viewer = createCaller({ db: t.db, userId: v.id, apiToken: null, ip: null });
});
afterAll(async () => {
  await t?.close();
});

const code = errorCode;

describe('specs and runs through tRPC', () => {
  it('scores on save and refuses to submit a vague spec, naming its findings', async () => {
    const vague = fixture('vague-spec.md');
    const spec = await owner.spec.create({ orgId, projectId, title: 'Vague', markdown: vague });
    const expected = scoreSpec(vague);
    expect(spec.score).toBe(expected.score);
    expect(spec.accepted).toBe(false);
    expect(spec.status).toBe('draft');
    const err = await owner.spec.submit({ orgId, specId: spec.id }).catch((e: TRPCError) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('BAD_REQUEST');
    expect((err as TRPCError).message).toContain(`scores ${expected.score}/100, below this organization's threshold of 70`);
    const firstFinding = expected.findings.find((f) => f.severity !== 'info')!;
    expect((err as TRPCError).message).toContain(firstFinding.message);
    expect((await owner.spec.get({ orgId, specId: spec.id })).status).toBe('draft');
  });

  it('accepts a good spec, previews and creates a run, lists it with tasks per wave', async () => {
    const spec = await owner.spec.create({ orgId, projectId, title: 'Good', markdown: fixture('good-spec.md') });
    expect(spec.accepted).toBe(true);
    const submitted = await owner.spec.submit({ orgId, specId: spec.id });
    expect(submitted.status).toBe('accepted');
    const tasks = [
      { id: 'api', title: 'API', description: 'Add the endpoint', files: ['src/api.ts'], dependsOn: [] },
      { id: 'ui', title: 'UI', description: 'Call the endpoint', files: ['src/ui.ts'], dependsOn: ['api'] },
    ];
    const preview = await owner.run.preview({ orgId, specId: spec.id, tasks, model: 'anthropic:claude-sonnet-4-5' });
    expect(preview.waves).toEqual([['api'], ['ui']]);
    expect(preview.tasks.every((x) => x.inputTokens > 0 && (x.costUsd ?? 0) > 0)).toBe(true);
    const { run } = await owner.run.create({ orgId, specId: spec.id, tasks });
    const got = await owner.run.get({ orgId, runId: run.id });
    expect(got.waves.map((w) => w.map((x) => `${x.key}:${x.status}`))).toEqual([['api:pending'], ['ui:pending']]);
    expect((await viewer.run.list({ orgId })).map((r) => r.id)).toContain(run.id);
    // Viewers read, never write.
    expect(await code(viewer.run.start({ orgId, runId: run.id }))).toBe('FORBIDDEN');
    expect(await code(viewer.spec.create({ orgId, projectId, title: 'x', markdown: 'y' }))).toBe('FORBIDDEN');
    // A cycle is refused with its tasks named.
    const cyclic = await owner.run
      .create({ orgId, specId: spec.id, tasks: [{ ...tasks[0], dependsOn: ['ui'] }, tasks[1]] })
      .catch((e: TRPCError) => e);
    expect((cyclic as TRPCError).message).toMatch(/cycle/i);
    expect((cyclic as TRPCError).message).toContain('api');
    const started = await owner.run.start({ orgId, runId: run.id });
    expect(started.status).toBe('planning');
    expect(await code(owner.run.start({ orgId, runId: run.id }))).toBe('CONFLICT');
    const cancelled = await owner.run.cancel({ orgId, runId: run.id });
    expect(cancelled.status).toBe('cancelled');
    expect((await owner.run.get({ orgId, runId: run.id })).counts).toEqual({ cancelled: 2 });
  });

  it('refuses to run a spec that is not accepted', async () => {
    const spec = await owner.spec.create({ orgId, projectId, title: 'Draft', markdown: fixture('good-spec.md') });
    const err = await owner.run.create({ orgId, specId: spec.id, tasks: [{ id: 'a', title: 'A', description: 'a', files: ['a.ts'], dependsOn: [] }] }).catch((e: TRPCError) => e);
    expect((err as TRPCError).code).toBe('BAD_REQUEST');
    expect((err as TRPCError).message).toContain('Submit it first');
  });
});
