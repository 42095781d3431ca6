import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { recordEnvSetup, projectEnvironment, type EnvSetupRecord } from './env-setups';
import { createOrganization } from './orgs';
import type { OrgScope } from './scope';
import { createUser } from './users';

let t: TestDatabase;
afterAll(async () => t?.close());

async function orgWithProject(label: string): Promise<{ scope: OrgScope; projectId: string }> {
  const u = await createUser(t.db, { name: label, email: `${label}-${crypto.randomUUID()}@n.test`, password: 'password-123' });
  const org = await createOrganization(t.db, { name: `${label} Org`, ownerId: u.id });
  const p = await t.db.insertInto('projects').values({ org_id: org.id, name: 'p', repository: '/tmp/x' }).returning('id').executeTakeFirstOrThrow();
  return { scope: { orgId: org.id, userId: u.id, role: 'owner' }, projectId: p.id };
}

const ready = (over: Partial<EnvSetupRecord> = {}): EnvSetupRecord => ({
  status: 'ready', source: 'detected', stacks: ['npm'], command: 'npm ci', cacheKey: 'k1', cached: false, durationMs: 1200, sizeBytes: 4096, toolchain: [], log: 'added 1 package', ...over,
});

describe('env setups (tenant-scoped)', () => {
  let a: { scope: OrgScope; projectId: string };
  let b: { scope: OrgScope; projectId: string };
  beforeAll(async () => {
    t = await createTestDatabase('envsetups');
    a = await orgWithProject('A');
    b = await orgWithProject('B');
  });

  it('shows the latest setup, the last install and a failure newer than any success', async () => {
    await recordEnvSetup(t.db, { orgId: a.scope.orgId, projectId: a.projectId, result: ready() });
    await recordEnvSetup(t.db, { orgId: a.scope.orgId, projectId: a.projectId, result: ready({ cached: true, durationMs: 40 }) });
    let env = await projectEnvironment(t.db, a.scope, a.projectId);
    expect(env.latest).toMatchObject({ status: 'ready', cached: true, durationMs: 40 });
    expect(env.lastInstall).toMatchObject({ cached: false, durationMs: 1200, sizeBytes: 4096, command: 'npm ci' });
    expect(env.failure).toBeNull();
    await recordEnvSetup(t.db, { orgId: a.scope.orgId, projectId: a.projectId, result: ready({ status: 'failed', cacheKey: 'k2', sizeBytes: null, error: '`npm ci` exited with 1\nnpm error E404', log: 'npm error E404 Not Found' }) });
    env = await projectEnvironment(t.db, a.scope, a.projectId);
    expect(env.failure).toMatchObject({ status: 'failed', error: expect.stringContaining('E404'), log: expect.stringContaining('E404') });
  });

  it('never records into or reads from another organisation\'s project', async () => {
    await expect(recordEnvSetup(t.db, { orgId: b.scope.orgId, projectId: a.projectId, result: ready() })).rejects.toThrow(/Project not found/);
    await expect(projectEnvironment(t.db, b.scope, a.projectId)).rejects.toThrow(/Project not found/);
    expect((await projectEnvironment(t.db, b.scope, b.projectId)).latest).toBeNull();
  });
});
