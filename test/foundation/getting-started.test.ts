import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec } from '../../server/services/specs';
import { setSecret } from '../../server/services/secrets';
import { createInvitation, revokeInvitation } from '../../server/services/members';
import { setDefaultModels } from '../../server/services/agent-settings';
import { gettingStarted } from '../../server/services/getting-started';
import type { OrgScope } from '../../server/services/scope';

/**
 * The getting-started checklist is read from real state: each item ticks off when the thing it
 * asks for exists, and only in the organisation where it does.
 */
let t: TestDatabase;
let scope: OrgScope;
let other: OrgScope;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  t = await createTestDatabase('gstart');
  saved.key = process.env.NIGHTSHIFT_SECRET_KEY;
  const owner = await createUser(t.db, { name: 'Grace', email: 'grace@gs.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Compilers', ownerId: owner.id });
  const otherOrg = await createOrganization(t.db, { name: 'Elsewhere', ownerId: owner.id });
  scope = { orgId: org.id, userId: owner.id, role: 'owner' };
  other = { orgId: otherOrg.id, userId: owner.id, role: 'owner' };
});

afterAll(async () => {
  await t?.close();
});

describe('getting started', () => {
  it('starts with nothing done when the server supplies no model', async () => {
    const s = await gettingStarted(t.db, scope, {});
    expect(s.model).toMatchObject({ done: false, provider: 'anthropic', source: null });
    expect(s.model.model).toBe(s.model.anthropicDefault);
    expect(s.model.model).toMatch(/^anthropic:/);
    expect([s.repository.done, s.spec.done, s.team.done]).toEqual([false, false, false]);
    expect(s.repository.firstProject).toBeNull();
  });

  it('counts a model the server supplies, then the organisation’s own key', async () => {
    const server = await gettingStarted(t.db, scope, { NIGHTSHIFT_DEFAULT_MODEL: 'openai:gpt-4.1', OPENAI_API_KEY: 'sk-server' });
    expect(server.model).toMatchObject({ done: true, model: 'openai:gpt-4.1', provider: 'openai', source: 'server' });
    // The deployment's default model without its provider's key is not a model runs can reach.
    expect((await gettingStarted(t.db, scope, { NIGHTSHIFT_DEFAULT_MODEL: 'openai:gpt-4.1' })).model).toMatchObject({ done: false, provider: 'openai' });

    await setSecret(t.db, scope, { name: 'ANTHROPIC_API_KEY', value: 'sk-ant-org-key-000' });
    expect((await gettingStarted(t.db, scope, {})).model).toMatchObject({ done: true, provider: 'anthropic', source: 'organization' });
    // The organisation's own default model decides which provider must be connected.
    await setDefaultModels(t.db, scope, { models: {}, defaultModel: 'ollama:qwen3' });
    expect((await gettingStarted(t.db, scope, {})).model).toMatchObject({ done: false, model: 'ollama:qwen3', provider: 'ollama' });
    await setDefaultModels(t.db, scope, { models: {}, defaultModel: '' });
    // Another organisation's key is not this one's.
    expect((await gettingStarted(t.db, other, {})).model.done).toBe(false);
  });

  it('ticks off a repository, a spec and the team as they come, per organisation', async () => {
    const project = await createProject(t.db, scope, { name: 'cc', repository: 'https://git.example.test/compilers/cc.git' });
    let s = await gettingStarted(t.db, scope, {});
    expect(s.repository).toEqual({ done: true, firstProject: { id: project.id, name: 'cc' } });
    expect(s.spec.done).toBe(false);

    await createSpec(t.db, scope, { projectId: project.id, title: 'Faster parser', markdown: '# Faster parser\n' });
    const invitation = await createInvitation(t.db, scope, { email: 'ada@gs.test', role: 'member' }, {});
    s = await gettingStarted(t.db, scope, {});
    expect([s.repository.done, s.spec.done, s.team.done]).toEqual([true, true, true]);

    const elsewhere = await gettingStarted(t.db, other, {});
    expect([elsewhere.repository.done, elsewhere.spec.done, elsewhere.team.done]).toEqual([false, false, false]);

    // A revoked invitation (no one else joined) is not a team.
    await revokeInvitation(t.db, scope, { invitationId: invitation.id });
    expect((await gettingStarted(t.db, scope, {})).team.done).toBe(false);
  });
});
