import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../trpc';
import type { Context } from '../context';
import { agentSettingsRouter } from './agent-settings';
import { planningRouter } from './planning';
import { defaultModelName } from '../../llm/model-factory';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { createUser } from '../../services/users';
import { createOrganization } from '../../services/orgs';
import { readBuiltInPrompt } from '../../prompts/org-overrides';
import { MAX_SKILL_MANIFEST_BYTES } from '../../skills/org-library';
import { errorCode, errorMessage as message, userContext } from '../../../test/support/trpc';

const createCaller = createCallerFactory(agentSettingsRouter);
let t: TestDatabase;
const ids: Record<string, string> = {};

const ctx = (userId: string): Context => userContext(t.db, userId);

const code = errorCode;

const GOOD_SKILL = `---
name: billing-rules
description: How invoices and refunds are computed in this company's code.
category: domain
cues: [invoice, refund]
---
# Billing rules
Amounts are integer cents; never use floats for money.
`;

beforeAll(async () => {
  t = await createTestDatabase('agentset');
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@as.test', password: 'password-123' });
  const member = await createUser(t.db, { name: 'Mem', email: 'm@as.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Agent Settings', ownerId: owner.id });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member' }).execute();
  // Another setting must survive a default-models save (the save merges in SQL).
  await t.db.updateTable('organizations').set({ settings: JSON.stringify({ specThreshold: 55 }) }).where('id', '=', org.id).execute();
  Object.assign(ids, { owner: owner.id, member: member.id, orgId: org.id });
});

afterAll(async () => {
  await t?.close();
});

describe('agentSettings router', () => {
  it('saves a default model per role, validates names, and keeps other settings', async () => {
    const api = createCaller(ctx(ids.owner!));
    const before = await api.defaultModels({ orgId: ids.orgId! });
    expect(before).toEqual({ roles: ['planner', 'architect', 'developer', 'qa', 'reviewer'], models: {}, defaultModel: null, deploymentDefault: defaultModelName() });
    const saved = await api.setDefaultModels({ orgId: ids.orgId!, models: { planner: 'anthropic:claude-opus-4-1', developer: ' openai:gpt-4.1 ', qa: '' } });
    expect(saved.models).toEqual({ planner: 'anthropic:claude-opus-4-1', developer: 'openai:gpt-4.1' });
    expect((await api.defaultModels({ orgId: ids.orgId! })).models).toEqual({ planner: 'anthropic:claude-opus-4-1', developer: 'openai:gpt-4.1' });
    const org = await t.db.selectFrom('organizations').select('settings').where('id', '=', ids.orgId!).executeTakeFirstOrThrow();
    expect(org.settings).toMatchObject({ specThreshold: 55 });

    expect(await message(api.setDefaultModels({ orgId: ids.orgId!, models: { qa: 'mistral:large' } }))).toMatch(/known provider \(anthropic:, openai:, ollama:\)/);
    expect(await message(api.setDefaultModels({ orgId: ids.orgId!, models: { reviewer: 'ollama:' } }))).toMatch(/needs a model after \W{0,2}ollama:/);
    expect(await code(api.setDefaultModels({ orgId: ids.orgId!, models: { reviewer: 'claude' } }))).toBe('BAD_REQUEST');
    // A refused save changes nothing.
    expect((await api.defaultModels({ orgId: ids.orgId! })).models.developer).toBe('openai:gpt-4.1');
    // The planner uses the org's planner default.
    const planning = createCallerFactory(planningRouter)(ctx(ids.owner!));
    expect(await planning.defaultModel({ orgId: ids.orgId! })).toEqual({ model: 'anthropic:claude-opus-4-1' });
    await api.setDefaultModels({ orgId: ids.orgId!, models: { developer: 'openai:gpt-4.1' } });
    expect(await planning.defaultModel({ orgId: ids.orgId! })).toEqual({ model: defaultModelName() });
    // The organisation's default model: the planner's when it has none of its own.
    await api.setDefaultModels({ orgId: ids.orgId!, models: { developer: 'openai:gpt-4.1' }, defaultModel: 'ollama:qwen3-coder' });
    expect(await planning.defaultModel({ orgId: ids.orgId! })).toEqual({ model: 'ollama:qwen3-coder' });
    expect(await message(api.setDefaultModels({ orgId: ids.orgId!, models: {}, defaultModel: 'qwen' }))).toMatch(/known provider/);
    expect((await api.defaultModels({ orgId: ids.orgId! })).defaultModel).toBe('ollama:qwen3-coder');
    await api.setDefaultModels({ orgId: ids.orgId!, models: { planner: 'anthropic:claude-opus-4-1', developer: 'openai:gpt-4.1' }, defaultModel: '' });
    expect((await api.defaultModels({ orgId: ids.orgId! })).defaultModel).toBeNull();
  });

  it('lists built-in skills, switches one off and on', async () => {
    const api = createCaller(ctx(ids.owner!));
    const skills = await api.skills({ orgId: ids.orgId! });
    expect(skills.map((s) => s.name)).toEqual(expect.arrayContaining(['kysely-migrations', 'node-testing']));
    expect(skills.every((s) => s.source === 'built-in' && s.enabled)).toBe(true);
    await api.setSkillEnabled({ orgId: ids.orgId!, name: 'node-testing', enabled: false });
    expect((await api.skills({ orgId: ids.orgId! })).find((s) => s.name === 'node-testing')?.enabled).toBe(false);
    await api.setSkillEnabled({ orgId: ids.orgId!, name: 'node-testing', enabled: true });
    expect((await api.skills({ orgId: ids.orgId! })).find((s) => s.name === 'node-testing')?.enabled).toBe(true);
    expect(await code(api.setSkillEnabled({ orgId: ids.orgId!, name: 'no-such-skill', enabled: false }))).toBe('NOT_FOUND');
  });

  it('uploads a valid skill and refuses bad ones with a message saying what to fix', async () => {
    const api = createCaller(ctx(ids.owner!));
    expect(await api.uploadSkill({ orgId: ids.orgId!, name: 'billing-rules', manifest: GOOD_SKILL })).toEqual({
      name: 'billing-rules',
      description: "How invoices and refunds are computed in this company's code.",
      category: 'domain',
    });
    const listed = (await api.skills({ orgId: ids.orgId! })).find((s) => s.name === 'billing-rules');
    expect(listed).toMatchObject({ source: 'uploaded', enabled: true, error: null });

    expect(await message(api.uploadSkill({ orgId: ids.orgId!, name: 'no-front', manifest: '# just markdown' }))).toMatch(/starts with YAML frontmatter/);
    expect(await message(api.uploadSkill({ orgId: ids.orgId!, name: 'other-name', manifest: GOOD_SKILL }))).toMatch(/frontmatter says name: "billing-rules"/);
    expect(await message(api.uploadSkill({ orgId: ids.orgId!, name: 'bad-cue', manifest: GOOD_SKILL.replace('billing-rules', 'bad-cue').replace('[invoice, refund]', '["(unclosed"]') }))).toMatch(/cue "\(unclosed" is not a valid regular expression/);
    expect(await message(api.uploadSkill({ orgId: ids.orgId!, name: 'Bad Name', manifest: GOOD_SKILL }))).toMatch(/kebab-case/);
    expect(await code(api.uploadSkill({ orgId: ids.orgId!, name: 'node-testing', manifest: GOOD_SKILL.replace('billing-rules', 'node-testing') }))).toBe('CONFLICT');
    const huge = GOOD_SKILL.replace('billing-rules', 'huge-skill') + 'x'.repeat(MAX_SKILL_MANIFEST_BYTES);
    expect(await code(api.uploadSkill({ orgId: ids.orgId!, name: 'huge-skill', manifest: huge }))).toBe('BAD_REQUEST');
    // Multi-byte text under the character cap but over the byte cap is refused by the service.
    const wide = GOOD_SKILL.replace('billing-rules', 'wide-skill') + 'é'.repeat(MAX_SKILL_MANIFEST_BYTES / 2);
    expect(await message(api.uploadSkill({ orgId: ids.orgId!, name: 'wide-skill', manifest: wide }))).toMatch(/the limit is 65536 bytes/);
    const names = (await api.skills({ orgId: ids.orgId! })).map((s) => s.name);
    expect(names).not.toContain('no-front');
    expect(names).not.toContain('wide-skill');
  });

  it('saves prompt overrides as versions, reverts to a version and to the built-in file', async () => {
    const api = createCaller(ctx(ids.owner!));
    const files = await api.prompts({ orgId: ids.orgId! });
    expect(files.find((f) => f.path === 'roles/developer.md')).toMatchObject({ id: 'role.developer', kind: 'role', overriddenVersion: null });
    const builtIn = readBuiltInPrompt('roles/developer.md')!;
    const first = await api.prompt({ orgId: ids.orgId!, path: 'roles/developer.md' });
    expect(first).toMatchObject({ content: builtIn, builtIn, activeVersion: null, versions: [] });

    const v1 = builtIn.replace('Role: developer', 'Role: developer\n\nHOUSE RULE ONE');
    const v2 = builtIn.replace('Role: developer', 'Role: developer\n\nHOUSE RULE TWO');
    expect(v1).not.toBe(builtIn);
    expect(await api.savePrompt({ orgId: ids.orgId!, path: 'roles/developer.md', content: v1 })).toEqual({ path: 'roles/developer.md', version: 1 });
    expect(await api.savePrompt({ orgId: ids.orgId!, path: 'roles/developer.md', content: v2 })).toEqual({ path: 'roles/developer.md', version: 2 });
    let p = await api.prompt({ orgId: ids.orgId!, path: 'roles/developer.md' });
    expect(p.content).toContain('HOUSE RULE TWO');
    expect(p.activeVersion).toBe(2);
    expect(p.versions.map((v) => [v.version, v.author])).toEqual([[2, 'Owner'], [1, 'Owner']]);

    expect(await api.revertPrompt({ orgId: ids.orgId!, path: 'roles/developer.md', version: 1 })).toEqual({ path: 'roles/developer.md', version: 3, builtIn: false });
    p = await api.prompt({ orgId: ids.orgId!, path: 'roles/developer.md' });
    expect(p.content).toContain('HOUSE RULE ONE');
    expect(p.activeVersion).toBe(3);

    expect(await api.revertPrompt({ orgId: ids.orgId!, path: 'roles/developer.md', version: null })).toEqual({ path: 'roles/developer.md', version: 4, builtIn: true });
    p = await api.prompt({ orgId: ids.orgId!, path: 'roles/developer.md' });
    expect(p.content).toBe(builtIn);
    expect(p.activeVersion).toBeNull();
    expect(p.versions[0]).toMatchObject({ version: 4, revertsToBuiltIn: true });
    expect((await api.prompts({ orgId: ids.orgId! })).find((f) => f.path === 'roles/developer.md')?.overriddenVersion).toBeNull();

    expect(await message(api.savePrompt({ orgId: ids.orgId!, path: 'roles/developer.md', content: 'no frontmatter' }))).toMatch(/starts with YAML frontmatter/);
    expect(await message(api.savePrompt({ orgId: ids.orgId!, path: 'roles/developer.md', content: v1.replace('id: role.developer', 'id: role.other') }))).toMatch(/keep "id: role.developer"/);
    expect(await code(api.savePrompt({ orgId: ids.orgId!, path: 'roles/nope.md', content: v1 }))).toBe('NOT_FOUND');
    expect(await code(api.prompt({ orgId: ids.orgId!, path: '../package.json' }))).toBe('BAD_REQUEST');
    expect(await code(api.revertPrompt({ orgId: ids.orgId!, path: 'roles/developer.md', version: 99 }))).toBe('NOT_FOUND');
  });

  it('lets members read but refuses their writes', async () => {
    const api = createCaller(ctx(ids.member!));
    expect((await api.defaultModels({ orgId: ids.orgId! })).models.planner).toBe('anthropic:claude-opus-4-1');
    expect((await api.skills({ orgId: ids.orgId! })).length).toBeGreaterThan(0);
    expect(await code(api.setDefaultModels({ orgId: ids.orgId!, models: { planner: 'openai:gpt-4.1' } }))).toBe('FORBIDDEN');
    expect(await code(api.setSkillEnabled({ orgId: ids.orgId!, name: 'node-testing', enabled: false }))).toBe('FORBIDDEN');
    expect(await code(api.uploadSkill({ orgId: ids.orgId!, name: 'member-skill', manifest: GOOD_SKILL.replace('billing-rules', 'member-skill') }))).toBe('FORBIDDEN');
    expect(await code(api.deleteSkill({ orgId: ids.orgId!, name: 'billing-rules' }))).toBe('FORBIDDEN');
    expect(await code(api.savePrompt({ orgId: ids.orgId!, path: 'roles/developer.md', content: readBuiltInPrompt('roles/developer.md')! }))).toBe('FORBIDDEN');
    expect(await code(api.revertPrompt({ orgId: ids.orgId!, path: 'roles/developer.md', version: null }))).toBe('FORBIDDEN');
    // Nothing changed.
    expect((await api.defaultModels({ orgId: ids.orgId! })).models.planner).toBe('anthropic:claude-opus-4-1');
    expect((await api.skills({ orgId: ids.orgId! })).find((s) => s.name === 'node-testing')?.enabled).toBe(true);
    expect((await api.prompt({ orgId: ids.orgId!, path: 'roles/developer.md' })).activeVersion).toBeNull();
  });
});
