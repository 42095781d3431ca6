import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../trpc';
import { modelsRouter } from './models';
import { secretRouter } from './settings';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { startFakeLlm, type FakeLlm } from '../../../test/fake-llm/server';
import { errorCode, errorMessage as message, userContext } from '../../../test/support/trpc';
import { createUser } from '../../services/users';
import { createOrganization } from '../../services/orgs';

/**
 * Settings → Models: a provider's key and base URL saved as the organisation's secrets (the key
 * never shown again, the URL shown), "Test connection" as a real model-list request to the
 * project's fake model server (which refuses a wrong key as the providers do), and disconnecting.
 */
const KEY = 'sk-models-test-right-key-4242';
let t: TestDatabase;
let llm: FakeLlm;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDatabase('models');
  llm = await startFakeLlm({ script: [], models: { ids: ['claude-test-1', 'claude-test-2'], apiKey: KEY } });
  const owner = await createUser(t.db, { name: 'Owner', email: 'o@models.test', password: 'password-123' });
  const member = await createUser(t.db, { name: 'Mem', email: 'm@models.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Models Org', ownerId: owner.id });
  await t.db.insertInto('memberships').values({ org_id: org.id, user_id: member.id, role: 'member' }).execute();
  Object.assign(ids, { owner: owner.id, member: member.id, orgId: org.id });
});

afterAll(async () => {
  await llm?.close();
  await t?.close();
});

const api = (userId: string) => createCallerFactory(modelsRouter)(userContext(t.db, userId));

describe('models router', () => {
  it('saves Anthropic with its base URL shown and its key never returned; a test lists the models with the right key and quotes the provider with a wrong one', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    expect(await message(owner.saveProvider({ orgId, kind: 'anthropic' }))).toMatch(/Anthropic needs an API key/);
    const saved = await owner.saveProvider({ orgId, kind: 'anthropic', apiKey: 'sk-wrong-key-000000', baseUrl: `${llm.url}/` });
    const anthropic = saved.providers.find((p) => p.provider === 'anthropic')!;
    expect(anthropic).toMatchObject({ connected: true, keySet: true, baseUrl: llm.url, kind: 'anthropic', models: null });
    // Saving tests what was saved: here the provider refuses the key.
    expect(saved.test).toMatchObject({ ok: false, status: 401 });
    expect(JSON.stringify(saved)).not.toContain('sk-wrong-key');

    // The saved (wrong) key: the provider's 401 and its own words, without the key.
    const refused = await owner.testProvider({ orgId, kind: 'anthropic' });
    expect(refused).toMatchObject({ ok: false, status: 401, provider: 'anthropic', endpoint: `${llm.url}/v1/models` });
    expect(refused.ok === false && refused.error).toMatch(/^401 .*invalid x-api-key/);
    expect(JSON.stringify(refused)).not.toContain('sk-wrong-key');
    const sent = llm.received.at(-1);
    expect(sent).toBeUndefined(); // listing is not a model turn: nothing recorded as a request

    // A typed key is tried before it is saved; the list is kept for the model pickers.
    const ok = await owner.testProvider({ orgId, kind: 'anthropic', apiKey: KEY });
    expect(ok).toMatchObject({ ok: true, models: ['claude-test-1', 'claude-test-2'] });
    expect((await owner.providers({ orgId })).providers.find((p) => p.provider === 'anthropic')!.models).toEqual(['claude-test-1', 'claude-test-2']);

    // Saving the right key tests it and keeps its list; a failing save forgets the list (it may not hold any more).
    const right = await owner.saveProvider({ orgId, kind: 'anthropic', apiKey: KEY });
    expect(right.test).toMatchObject({ ok: true, models: ['claude-test-1', 'claude-test-2'] });
    expect(right.providers.find((p) => p.provider === 'anthropic')).toMatchObject({ models: ['claude-test-1', 'claude-test-2'], baseUrl: llm.url });
    await owner.saveProvider({ orgId, kind: 'anthropic', apiKey: 'sk-wrong-again-000' });
    expect((await owner.providers({ orgId })).providers.find((p) => p.provider === 'anthropic')!.models).toBeNull();
    await owner.saveProvider({ orgId, kind: 'anthropic', apiKey: KEY });
    expect(await owner.testProvider({ orgId, kind: 'anthropic' })).toMatchObject({ ok: true });
  });

  it('an OpenAI-compatible server needs its base URL, keeps it visible and is tested on the OpenAI wire shape; OpenAI itself drops it', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    expect(await message(owner.saveProvider({ orgId, kind: 'openai-compatible' }))).toMatch(/needs its base URL/);
    expect(await message(owner.saveProvider({ orgId, kind: 'openai-compatible', baseUrl: 'ftp://models.example' }))).toMatch(/Base URL must start with http/);
    expect(await message(owner.saveProvider({ orgId, kind: 'openai-compatible', baseUrl: 'not a url' }))).toMatch(/Base URL must be a URL/);
    expect(await message(owner.saveProvider({ orgId, kind: 'openai-compatible', baseUrl: 'https://user:pw@models.example/v1' }))).toMatch(/user name or password/);
    const saved = await owner.saveProvider({ orgId, kind: 'openai-compatible', baseUrl: `${llm.url}/v1` });
    expect(saved.providers.find((p) => p.provider === 'openai')).toMatchObject({ kind: 'openai-compatible', baseUrl: `${llm.url}/v1`, keySet: false });
    expect(saved.test.ok === false && saved.test.error).toMatch(/401 .*Incorrect API key/);
    // No key saved: the fake server (like a real one with keys) refuses.
    const refused = await owner.testProvider({ orgId, kind: 'openai-compatible' });
    expect(refused.ok === false && refused.error).toMatch(/401 .*Incorrect API key/);
    expect(await owner.testProvider({ orgId, kind: 'openai-compatible', apiKey: KEY })).toMatchObject({ ok: true, endpoint: `${llm.url}/v1/models` });
    // Choosing OpenAI itself removes the compatible server's URL (they share openai:).
    await owner.saveProvider({ orgId, kind: 'openai', apiKey: 'sk-openai-key-123456' });
    expect((await owner.providers({ orgId })).providers.find((p) => p.provider === 'openai')).toMatchObject({ kind: 'openai', baseUrl: null, keySet: true });
  });

  it('Ollama takes host:port as OLLAMA_HOST does and is tested on /api/tags', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const host = llm.url.replace('http://', '');
    await owner.saveProvider({ orgId, kind: 'ollama', baseUrl: host, apiKey: KEY });
    expect((await owner.providers({ orgId })).providers.find((p) => p.provider === 'ollama')).toMatchObject({ baseUrl: host, connected: true });
    expect(await owner.testProvider({ orgId, kind: 'ollama' })).toMatchObject({ ok: true, endpoint: `${llm.url}/api/tags`, models: ['claude-test-1', 'claude-test-2'] });
  });

  it('goes through the outbound policy: public-only refuses a loopback provider before any request', async () => {
    const owner = api(ids.owner!);
    const saved = process.env.NIGHTSHIFT_OUTBOUND_POLICY;
    process.env.NIGHTSHIFT_OUTBOUND_POLICY = 'public-only';
    try {
      const r = await owner.testProvider({ orgId: ids.orgId!, kind: 'anthropic', apiKey: KEY });
      expect(r.ok).toBe(false);
      expect(r.ok === false && r.error).toMatch(/refused: 127\.0\.0\.1 is a loopback address/);
    } finally {
      if (saved === undefined) delete process.env.NIGHTSHIFT_OUTBOUND_POLICY;
      else process.env.NIGHTSHIFT_OUTBOUND_POLICY = saved;
    }
  });

  it('a connection error says what happened', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startFakeLlm({ script: [] });
    await gone.close();
    const r = await api(ids.owner!).testProvider({ orgId: ids.orgId!, kind: 'openai-compatible', baseUrl: `${gone.url}/v1`, apiKey: KEY });
    expect(r).toMatchObject({ ok: false, status: null });
    expect(r.ok === false && r.error).toMatch(/could not connect: ECONNREFUSED/);
  });

  it('members read which providers are connected but cannot save, test or disconnect', async () => {
    const member = api(ids.member!);
    const orgId = ids.orgId!;
    const view = await member.providers({ orgId });
    expect(view.canEdit).toBe(false);
    expect(view.providers.find((p) => p.provider === 'anthropic')?.connected).toBe(true);
    expect(await errorCode(member.saveProvider({ orgId, kind: 'anthropic', apiKey: 'sk-member-key-1' }))).toBe('FORBIDDEN');
    expect(await errorCode(member.testProvider({ orgId, kind: 'anthropic' }))).toBe('FORBIDDEN');
    expect(await errorCode(member.disconnectProvider({ orgId, provider: 'anthropic' }))).toBe('FORBIDDEN');
  });

  it('disconnecting deletes the key and URL secrets', async () => {
    const owner = api(ids.owner!);
    const orgId = ids.orgId!;
    const view = await owner.disconnectProvider({ orgId, provider: 'anthropic' });
    expect(view.providers.find((p) => p.provider === 'anthropic')).toMatchObject({ connected: false, keySet: false, baseUrl: null, models: null });
    const names = (await createCallerFactory(secretRouter)(userContext(t.db, ids.owner!)).list({ orgId })).map((s) => s.name);
    expect(names).not.toContain('ANTHROPIC_API_KEY');
    expect(names).not.toContain('ANTHROPIC_BASE_URL');
    expect(names).toContain('OLLAMA_HOST');
  });
});
