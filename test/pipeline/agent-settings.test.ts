import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { revertPrompt, savePromptOverride, setDefaultModels, setSkillEnabled, uploadSkill } from '../../server/services/agent-settings';
import { orgAgentSetup } from '../../server/pipeline/agent-setup';
import { planSpecWithAgent } from '../../server/pipeline/plan-spec';
import { createRoleRunner } from '../../server/pipeline/role-runner';
import { createMemoryContextCache } from '../../server/agent/context-cache';
import { createModel } from '../../server/llm';
import { BUILT_IN_PROMPTS_DIR, composeSystemPrompt, loadPromptLibrary, readBuiltInPrompt } from '../../server/prompts';
import { loadSkillLibrary } from '../../server/skills';
import type { OrgScope } from '../../server/services/scope';

/**
 * The organisation's agent settings as the task executor applies them: each role runs with its
 * default model (else the task's), agents get only enabled skills (plus uploads), and system
 * prompts are composed from the org's active overrides. The model is the fake LLM server, so the
 * test reads what each role actually sent.
 */
let t: TestDatabase;
let llm: FakeLlm;
let dataDir: string;
let workspace: string;
let scope: OrgScope;
const TASK_MODEL = 'openai:task-model';
const MARKER = 'ALWAYS WRITE THE DESIGN AS A NUMBERED LIST';

function finishFor(body: unknown) {
  const text = JSON.stringify(body);
  if (text.includes('# Task (reviewer)')) return { toolCalls: [{ name: 'finish', args: { summary: 'Looks right.', verdict: 'approve', steelman: 'It is small and tested.' } }] };
  return { toolCalls: [{ name: 'finish', args: { summary: 'Design: change a.ts.' } }] };
}

/** The system prompt and model of the last request the fake server received for `role`. */
function lastRequestOf(role: string): { model: string; system: string } {
  const body = [...llm.requests].reverse().find((b) => JSON.stringify(b).includes(`# Task (${role})`));
  if (!body) throw new Error(`no request for ${role}`);
  return { model: body.model, system: String(body.messages.find((m: { role: string }) => m.role === 'system')?.content ?? '') };
}

async function runRole(role: 'architect' | 'reviewer') {
  const setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: { OPENAI_BASE_URL: `${llm.url}/v1`, OPENAI_API_KEY: 'sk-test-123456' }, dataDir });
  const runner = createRoleRunner({
    models: setup.models,
    workspace,
    cache: createMemoryContextCache(),
    taskKey: `t-${role}-${llm.requests.length}`,
    skills: setup.skills,
    promptDirs: setup.promptDirs,
  });
  const outcome = await runner({ role, cycle: 0, objective: 'Add a greeting to a.ts', acceptanceCriteria: ['a.ts exports greet()'], files: ['a.ts'] });
  expect(outcome.status).toBe('done');
  return lastRequestOf(role);
}

beforeAll(async () => {
  t = await createTestDatabase('agentexec');
  llm = await startFakeLlm({ script: (body) => finishFor(body) });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-agentset-'));
  workspace = path.join(dataDir, 'ws');
  fs.mkdirSync(workspace);
  fs.writeFileSync(path.join(workspace, 'a.ts'), 'export const a = 1;\n');
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@ax.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Exec Settings', ownerId: owner.id });
  scope = { orgId: org.id, userId: owner.id, role: 'owner' };
});

afterAll(async () => {
  await llm?.close();
  await t?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('agent settings in the task executor', () => {
  it('runs each role with its default model, falling back to the task model', async () => {
    let setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.modelNameForRole('architect')).toBe(TASK_MODEL);
    expect(setup.models.forRole('architect')).toEqual({ model: setup.models.model, modelName: TASK_MODEL });

    await setDefaultModels(t.db, scope, { models: { architect: 'openai:architect-model', planner: 'anthropic:claude-opus-4-1' } });
    setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.modelNameForRole('architect')).toBe('openai:architect-model');
    expect(setup.modelNameForRole('planner')).toBe('anthropic:claude-opus-4-1');
    expect(setup.modelNameForRole('reviewer')).toBe(TASK_MODEL);

    expect((await runRole('architect')).model).toBe('architect-model');
    expect((await runRole('reviewer')).model).toBe('task-model');
  });

  it('gives agents only enabled skills, including uploaded ones', async () => {
    const builtIn = [...loadSkillLibrary().skills.keys()];
    let setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect([...setup.skills.skills.keys()].sort()).toEqual([...builtIn].sort());

    await setSkillEnabled(t.db, scope, { name: 'kysely-migrations', enabled: false });
    await uploadSkill(t.db, scope, { name: 'house-style', manifest: '---\nname: house-style\ndescription: Naming and layout rules of this company.\ncategory: conventions\ncues: [style]\n---\nUse kebab-case file names.\n' });
    setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.skills.get('kysely-migrations')).toBeUndefined();
    expect(setup.skills.get('house-style')?.body).toBe('Use kebab-case file names.');
    expect(setup.skills.get('node-testing')).toBeDefined();
    // The architect's prompt lists the registry: the disabled skill is gone, the upload is there.
    const { system } = await runRole('architect');
    expect(system).toContain('- house-style [conventions]: Naming and layout rules of this company.');
    expect(system).not.toContain('kysely-migrations');

    await setSkillEnabled(t.db, scope, { name: 'house-style', enabled: false });
    setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.skills.get('house-style')).toBeUndefined();
    await setSkillEnabled(t.db, scope, { name: 'kysely-migrations', enabled: true });
  });

  it('composes system prompts from the active override, and a revert restores the built-in text', async () => {
    const builtInText = readBuiltInPrompt('roles/architect.md')!;
    const input = { role: 'architect', phase: 'planning', family: 'openai', stack: [], failures: [], variables: {} };
    const plain = composeSystemPrompt(loadPromptLibrary(), input).text;
    expect(plain).not.toContain(MARKER);

    await savePromptOverride(t.db, scope, { path: 'roles/architect.md', content: builtInText.replace('Role: architect', `Role: architect\n\n${MARKER}`) });
    let setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.promptDirs.builtIn).not.toBe(BUILT_IN_PROMPTS_DIR);
    expect(composeSystemPrompt(loadPromptLibrary({ builtInDir: setup.promptDirs.builtIn }), input).text).toContain(MARKER);
    // …and what the agent actually sent to the model.
    expect((await runRole('architect')).system).toContain(MARKER);
    expect((await runRole('reviewer')).system).not.toContain(MARKER);

    await revertPrompt(t.db, scope, { path: 'roles/architect.md', version: null });
    setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    expect(setup.promptDirs.builtIn).toBe(BUILT_IN_PROMPTS_DIR);
    expect(composeSystemPrompt(loadPromptLibrary({ builtInDir: setup.promptDirs.builtIn }), input).text).toBe(plain);
    const after = (await runRole('architect')).system;
    expect(after).not.toContain(MARKER);
    expect(after).toContain('You design how one task will be implemented before anyone writes code.');
  });

  it('gives the planner agent the org’s override of its prompt', async () => {
    const builtInText = readBuiltInPrompt('roles/planner.md')!;
    await savePromptOverride(t.db, scope, { path: 'roles/planner.md', content: builtInText.replace('Role: planner', `Role: planner\n\n${MARKER}`) });
    const setup = await orgAgentSetup(t.db, scope.orgId, { taskModel: TASK_MODEL, env: {}, dataDir });
    await planSpecWithAgent({
      specMarkdown: '# Greeting\n\n## What to build\nA greet() in a.ts.\n',
      model: createModel(TASK_MODEL, { baseUrl: `${llm.url}/v1`, apiKey: 'sk-test-123456' }),
      modelName: TASK_MODEL,
      workspace,
      cache: createMemoryContextCache(),
      skills: setup.skills,
      promptDirs: setup.promptDirs,
    });
    expect(lastRequestOf('planner').system).toContain(MARKER);
    await revertPrompt(t.db, scope, { path: 'roles/planner.md', version: null });
  });
});
