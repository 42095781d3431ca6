import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { collectStream } from './collect-stream';
import { createModelResolver, DEFAULT_MODEL, defaultModelName, modelFromSettings } from './model-factory';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm({ script: () => ({ text: 'ok' }) });
});
afterAll(async () => llm?.close());

const ask = (model: ReturnType<typeof modelFromSettings>) => collectStream(model.stream({ messages: [{ role: 'user', content: 'hi' }] }));

describe('the model factory', () => {
  it('sends an organisation OLLAMA_API_KEY and OLLAMA_HOST to Ollama (the executor used to drop the key)', async () => {
    const r = await ask(modelFromSettings('ollama:qwen2.5-coder', { env: { OLLAMA_HOST: llm.url.replace('http://', ''), OLLAMA_API_KEY: 'ollama-org-key' } }));
    expect(r.error).toBeUndefined();
    const req = llm.received.at(-1)!;
    expect(req.protocol).toBe('ollama');
    expect(req.headers.authorization).toBe('Bearer ollama-org-key');
  });

  it("never sends the server's key to a base URL the organisation chose; a provider's key and URL come from one place", async () => {
    const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-process';
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
    try {
      // An organisation admin points openai: at a server of their choosing: the deployment's key stays home.
      await ask(modelFromSettings('openai:m', { env: { OPENAI_BASE_URL: `${llm.url}/v1` } }));
      expect(llm.received.at(-1)!.headers.authorization).toBeUndefined();
      expect(JSON.stringify(llm.received.at(-1)!.headers)).not.toContain('sk-process');
      // The server's own pair still serves an organisation that set nothing for the provider.
      process.env.OPENAI_BASE_URL = `${llm.url}/v1`;
      await ask(modelFromSettings('openai:m', { env: { ANTHROPIC_API_KEY: 'sk-ant-org' } }));
      expect(llm.received.at(-1)!.headers.authorization).toBe('Bearer sk-process');
      process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
      await ask(modelFromSettings('openai:m', { env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-org' }, baseUrl: `${llm.url}/v1` }));
      expect(llm.received.at(-1)!.headers.authorization).toBe('Bearer sk-org');
    } finally {
      for (const [k, v] of [['OPENAI_API_KEY', saved.key], ['OPENAI_BASE_URL', saved.base]] as const) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('resolves each role to its own model once, and to the task model when the role has none', () => {
    const r = createModelResolver({ model: 'openai:task', settings: { baseUrl: llm.url }, roleModel: (role) => (role === 'reviewer' ? 'anthropic:review' : undefined) });
    expect(r.forRole('developer')).toEqual({ model: r.model, modelName: 'openai:task' });
    const reviewer = r.forRole('reviewer');
    expect(reviewer.modelName).toBe('anthropic:review');
    expect(reviewer.model.provider).toBe('anthropic');
    expect(r.forRole('reviewer').model).toBe(reviewer.model);
  });

  it('has one default model, overridable by NIGHTSHIFT_DEFAULT_MODEL', () => {
    expect(defaultModelName({})).toBe(DEFAULT_MODEL);
    expect(defaultModelName({ NIGHTSHIFT_DEFAULT_MODEL: ' openai:fake ' })).toBe('openai:fake');
  });
});
